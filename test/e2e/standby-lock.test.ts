/**
 * One lock per standby, on the harness's two control planes: a drill of the source's cluster holds
 * the standby's Lease while it runs (here: while it waits for a Deployment the node-less standby never
 * runs), so a `restore create` into that standby and a second drill are refused naming it and since
 * when, and a restore with --wait-lock runs once the drill has cleaned up and let go. Every drill and
 * restore of this file waits for the lock first (--wait-lock) where another test file may hold it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { STANDBY_LOCK_NAME, STANDBY_LOCK_NAMESPACE } from '../../src/app/standby-lock/index.ts';
import type { DrillReport } from '../../src/drill/index.ts';
import { deployment, DrillFixture } from '../helpers/drill.ts';

const harness = inject('harness');
const suffix = randomBytes(3).toString('hex');
const cluster = `lock-${suffix}`;
const ns = { drill: `lock-drill-${suffix}`, restore: `lock-restore-${suffix}` };
const drillName = `drill-lock-${suffix}`;
const fixture = new DrillFixture(harness, cluster, Object.values(ns));
const { source, standby, lifeboat } = fixture;
const standbyConfig = fixture.kubeconfig.standby;

/** The Lease's holder now ('' when free). */
async function holder(): Promise<string> {
  const lease = await standby.client
    .json<{ spec?: { holderIdentity?: string } }>({
      path: `/apis/coordination.k8s.io/v1/namespaces/${STANDBY_LOCK_NAMESPACE}/leases/${STANDBY_LOCK_NAME}`,
    })
    .catch(() => ({ spec: { holderIdentity: '' } }));
  return lease.spec?.holderIdentity ?? '';
}

beforeAll(async () => {
  await fixture.setUp();
  await source.post(`/apis/apps/v1/namespaces/${ns.drill}/deployments`, deployment('api', 1));
  await source.post(`/api/v1/namespaces/${ns.restore}/configmaps`, {
    metadata: { name: 'settings' },
    data: { mode: 'prod' },
  });
  // The drill's backup under the cluster's prefix; the restore's in the location itself, restored
  // with --kubeconfig as an operator would (the target is the cluster's standby all the same).
  await fixture.backup(`drill-${suffix}`, ns.drill);
  await fixture.backup(`restore-${suffix}`, ns.restore, ['--kubeconfig', fixture.kubeconfig.source]);
});

afterAll(() => fixture.cleanUp());

describe('a drill and a restore into the same standby', () => {
  it('never overlap: the restore is refused naming the drill, and with --wait-lock runs after it', async () => {
    const drilling = lifeboat(
      ...['drill', 'run', '--cluster', cluster, '--backup', `drill-${suffix}`, '--name', drillName],
      ...['--timeout', '45s', '--wait-lock', '-o', 'json'],
    );
    const held = await standby.until(async () => (await holder()).startsWith(`drill ${drillName} `), 300_000);
    expect(held, await holder()).toBe(true);

    const restoreArgs = [
      'restore',
      'create',
      '--from-backup',
      `restore-${suffix}`,
      '--kubeconfig',
      standbyConfig,
    ];
    const refused = await lifeboat(...restoreArgs.slice(0, 2), `r1-${suffix}`, ...restoreArgs.slice(2));
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(
      new RegExp(`is locked by drill ${drillName} \\(pid \\d+ on [^)]+\\) since \\d{4}-\\d\\d-\\d\\dT`),
    );
    expect(refused.stderr).toContain('--wait-lock');
    expect(await standby.namespaces()).not.toContain(ns.restore);

    const second = await lifeboat('drill', 'run', '--cluster', cluster, '--backup', `drill-${suffix}`);
    expect(second.status).not.toBe(0);
    expect(second.stderr).toContain(`is locked by drill ${drillName} `);

    const waiting = lifeboat(
      ...restoreArgs.slice(0, 2),
      `r2-${suffix}`,
      ...restoreArgs.slice(2),
      '--wait-lock',
      '-o',
      'json',
    );
    const drill = await drilling;
    const report = JSON.parse(drill.stdout) as DrillReport;
    expect(report.name).toBe(drillName);
    expect(report.cleanup).toMatchObject({ mode: 'cleaned', left: [] });
    const restored = await waiting;
    expect(restored.status, restored.stderr).toBe(0);
    const { restore: result } = JSON.parse(restored.stdout.trim().split('\n').at(-1) ?? '{}') as {
      restore: { phase: string; startTimestamp: string };
    };
    expect(result.phase).toBe('Completed');
    // The restore began after the drill's clean-up had ended (the lock is let go right after it).
    const cleanup = report.phases.find((p) => p.name === 'cleanup');
    expect(cleanup).toBeDefined();
    const cleanedAt = Date.parse(report.startTimestamp) + (cleanup?.endMs ?? 0);
    expect(Date.parse(result.startTimestamp)).toBeGreaterThanOrEqual(cleanedAt - 1);
    expect(await standby.namespaces()).toContain(ns.restore);
    // Both let go; another file's drill may hold the shared standby by now, so only ours are checked.
    const after = await holder();
    expect(after.startsWith(`drill ${drillName} `), after).toBe(false);
    expect(after.startsWith(`restore r2-${suffix} `), after).toBe(false);
  });
});
