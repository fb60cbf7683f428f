import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DrillFixture } from '../helpers/drill.ts';
import { eventually } from '../helpers/kube.ts';
import { startServer } from '../helpers/server.ts';

/**
 * A drill schedule stored with `drill schedule create` and run by `lifeboat server` against the
 * harness's source and standby: the drill metrics are set, the evidence is in the bucket, and the
 * standby is left as it was.
 */
const harness = inject('harness');
const TOKEN = randomBytes(24).toString('hex');
const suffix = randomBytes(3).toString('hex');
const cluster = `drills-${suffix}`;
const ns = `drill-sched-${suffix}`;
const fixture = new DrillFixture(harness, cluster, [ns]);
const { source, standby, lifeboat } = fixture;

beforeAll(async () => {
  await fixture.setUp();
  await source.post(`/api/v1/namespaces/${ns}/configmaps`, {
    metadata: { name: 'settings' },
    data: { a: '1' },
  });
  await fixture.backup(`b-${suffix}`, ns);
});

afterAll(() => fixture.cleanUp());

async function metric(url: string, name: string): Promise<number | undefined> {
  const text = await (
    await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
  ).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{cluster="${cluster}"}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

describe('scheduled drills in the server', () => {
  it('are stored like schedules and listed', async () => {
    const created = await lifeboat(
      'drill',
      'schedule',
      'create',
      'often',
      '--cluster',
      cluster,
      '--schedule',
      '*/15 * * * * *',
    );
    expect(created.status, created.stderr).toBe(0);
    const listed = await lifeboat('drill', 'schedule', 'get', '-o', 'json');
    expect(JSON.parse(listed.stdout)).toEqual([
      { name: 'often', cluster, schedule: '*/15 * * * * *', workloadTimeout: '10m' },
    ]);
    const bad = await lifeboat(
      'drill',
      'schedule',
      'create',
      'bad',
      '--cluster',
      cluster,
      '--schedule',
      'every day',
    );
    expect(bad.status).toBe(2);
  });

  it('run in the server, which sets the drill metrics of the cluster', async () => {
    const server = await startServer({
      args: ['--kubeconfig', fixture.kubeconfig.source],
      env: { ...fixture.env, LIFEBOAT_API_TOKEN: TOKEN },
    });
    const url = server.url;
    try {
      const passed = await eventually(
        'a scheduled drill passed',
        () => metric(url, 'lifeboat_drill_passed'),
        {
          timeoutMs: 240_000,
          intervalMs: 1000,
        },
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}\n${server.output()}`);
      });
      expect(passed).toBe(1);
      expect(await metric(url, 'lifeboat_drill_rto_seconds')).toBeGreaterThan(0);
      expect(await metric(url, 'lifeboat_drill_last_success_timestamp_seconds')).toBeGreaterThan(
        Date.parse('2026-01-01') / 1000,
      );
      // The API serves the evidence from the bucket: the list, and the HTML report under its own policy.
      const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
      const listed = (await (await fetch(`${url}/api/v1/drills?cluster=${cluster}`, auth)).json()) as {
        items: { name: string; phase: string; intact: boolean }[];
      };
      const done = listed.items.find((d) => d.phase === 'Passed' && d.intact);
      expect(done, JSON.stringify(listed)).toBeDefined();
      const report = await fetch(`${url}/api/v1/drills/${done?.name ?? ''}/report`, auth);
      expect(report.status).toBe(200);
      expect(report.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(await report.text()).toContain(done?.name ?? '');
      expect((await fetch(`${url}/api/v1/drills`)).status).toBe(401);
    } finally {
      await server.stop();
    }
    const drills = JSON.parse(
      (await lifeboat('drill', 'get', '--cluster', cluster, '-o', 'json')).stdout,
    ) as { outcome: string; intact: boolean }[];
    expect(drills.length).toBeGreaterThanOrEqual(1);
    expect(drills.filter((d) => d.outcome === 'Passed' && d.intact).length).toBeGreaterThanOrEqual(1);
    expect(await standby.namespaces()).not.toContain(ns);
  });
});
