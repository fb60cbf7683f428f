import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DrillReport } from '../../src/drill/index.ts';
import { STANDBY_LOCK_NAME, STANDBY_LOCK_NAMESPACE } from '../../src/app/standby-lock/index.ts';
import { MAIN } from '../helpers/cli.ts';
import { deployment, DrillFixture } from '../helpers/drill.ts';

/**
 * DR drills against the harness's two control planes: the source's backups restored into the
 * standby, measured, verified, cleaned away, with the evidence in the bucket. The standby has no
 * node: a Deployment of 0 replicas is ready there, one of 1 never is.
 */
const harness = inject('harness');
const suffix = randomBytes(3).toString('hex');
const cluster = `drill-${suffix}`;
const ns = { pass: `drill-ok-${suffix}`, block: `drill-block-${suffix}`, stuck: `drill-stuck-${suffix}` };
const fixture = new DrillFixture(harness, cluster, Object.values(ns));
const { source, standby, lifeboat } = fixture;

async function drill(
  ...args: string[]
): Promise<{ status: number | null; report: DrillReport; stderr: string }> {
  // Other test files' drills and restores may hold the standby's lock: this one waits its turn.
  const run = await lifeboat('drill', 'run', '--cluster', cluster, '--wait-lock', '-o', 'json', ...args);
  expect(run.stdout, run.stderr).not.toBe('');
  return { status: run.status, report: JSON.parse(run.stdout) as DrillReport, stderr: run.stderr };
}

const restoreDir = (name: string) => join(fixture.bucket, 'clusters', cluster, 'restores', name);

beforeAll(async () => {
  await fixture.setUp();
  await source.post(`/api/v1/namespaces/${ns.pass}/configmaps`, {
    metadata: { name: 'settings' },
    data: { mode: 'prod' },
  });
  await source.post(`/api/v1/namespaces/${ns.pass}/services`, {
    metadata: { name: 'web' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
  });
  await source.post(`/apis/apps/v1/namespaces/${ns.pass}/deployments`, deployment('web', 0));
  await source.post(`/api/v1/namespaces/${ns.block}/persistentvolumeclaims`, {
    metadata: { name: 'data' },
    spec: {
      storageClassName: `missing-${suffix}`,
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
    },
  });
  await source.post(`/apis/apps/v1/namespaces/${ns.stuck}/deployments`, deployment('api', 1));
  for (const [key, name] of Object.entries(ns)) await fixture.backup(`${key}-${suffix}`, name);
});

afterAll(() => fixture.cleanUp());

describe('a drill that passes', () => {
  let report: DrillReport;

  it('restores the newest Completed backup into the standby, verifies it, measures and cleans it away', async () => {
    const before = await standby.namespaces();
    const run = await drill('--backup', `pass-${suffix}`, '--rto-objective', '30m');
    report = run.report;
    expect(run.status, JSON.stringify(report.reasons)).toBe(0);
    expect(report.outcome).toBe('Passed');
    expect(report.restore).toMatchObject({ phase: 'Completed', failed: 0 });
    expect(report.restore?.created).toBeGreaterThanOrEqual(4);
    expect(report.workloads).toEqual([{ kind: 'Deployment', namespace: ns.pass, name: 'web', ready: true }]);
    expect(report.verify).toMatchObject({ ok: true });
    expect(report.rtoSeconds).toBeGreaterThan(0);
    expect(report.rpoSeconds).toBeGreaterThanOrEqual(0);
    expect(report.phases.map((p) => p.name)).toEqual([
      'check',
      'download',
      'plan',
      'apply',
      'verify',
      'readiness',
      'cleanup',
    ]);
    expect(report.cleanup.mode).toBe('cleaned');
    expect(report.cleanup.left).toEqual([]);
    expect(report.cleanup.deleted).toContain(`namespace/${ns.pass}`);
    const after = await standby.namespaces();
    expect(after).not.toContain(ns.pass);
    expect(before.filter((n) => !after.includes(n))).toEqual([]);
  });

  it('leaves its evidence in the restore folder, read back by drill get, describe and report', async () => {
    const folder = restoreDir(report.name);
    for (const f of ['-drill.json.gz', '-drill.md', '-drill.html', '-drill-checksums.json'])
      expect((await stat(join(folder, `${report.name}${f}`))).size).toBeGreaterThan(0);
    const stored = JSON.parse(
      gunzipSync(await readFile(join(folder, `${report.name}-drill.json.gz`))).toString(),
    ) as DrillReport;
    expect(stored).toEqual(report);
    const get = await lifeboat('drill', 'get', '--cluster', cluster, '-o', 'json');
    expect(JSON.parse(get.stdout)).toContainEqual(
      expect.objectContaining({ name: report.name, outcome: 'Passed', intact: true }),
    );
    const describeRun = await lifeboat('drill', 'describe', report.name);
    expect(describeRun.status, describeRun.stderr).toBe(0);
    expect(describeRun.stdout).toContain('Evidence intact');
    const html = await lifeboat('drill', 'report', report.name, '--cluster', cluster, '-o', 'html');
    expect(html.stdout).toBe(await readFile(join(folder, `${report.name}-drill.html`), 'utf8'));
    expect(html.stdout).toContain('<svg');
    const md = await lifeboat('drill', 'report', report.name, '-o', 'markdown');
    expect(md.stdout).toContain(`# DR drill ${report.name}: Passed`);
  });

  it('links the runbook of the cluster to the drill with its measured RTO', async () => {
    const run = await lifeboat('runbook', '--from-backup', `pass-${suffix}`, '--cluster', cluster);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('## Latest passing DR drill');
    expect(run.stdout).toContain(report.name);
    expect(run.stdout).toMatch(/Measured RTO: \d/);
  });

  it('says when its evidence was altered after the drill', async () => {
    const md = join(restoreDir(report.name), `${report.name}-drill.md`);
    await writeFile(md, (await readFile(md, 'utf8')).replace('Passed', 'Passed!'));
    const run = await lifeboat('drill', 'describe', report.name, '--cluster', cluster);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('Evidence ALTERED');
    expect(run.stdout).toContain(`${report.name}-drill.md: altered`);
  });
});

describe('a drill that fails', () => {
  it('stops at a blocking standby finding and restores nothing', async () => {
    const { status, report } = await drill('--backup', `block-${suffix}`);
    expect(status).toBe(1);
    expect(report.outcome).toBe('Failed');
    expect(report.findings).toContainEqual(
      expect.objectContaining({ severity: 'blocking', code: 'STORAGE_CLASS_MISSING' }),
    );
    expect(report.reasons[0]).toContain('STORAGE_CLASS_MISSING');
    expect(report.restore).toBeUndefined();
    expect(report.rtoSeconds).toBeUndefined();
    expect(report.cleanup.mode).toBe('nothing');
    expect(await standby.namespaces()).not.toContain(ns.block);
    await expect(stat(join(restoreDir(report.name), `restore-${report.name}.json`))).rejects.toThrow();
  });

  it('names the workload that never becomes ready, with why, and still cleans the standby', async () => {
    const { status, report } = await drill('--backup', `stuck-${suffix}`, '--timeout', '15s');
    expect(status).toBe(1);
    expect(report.outcome).toBe('Failed');
    const [api] = report.workloads;
    expect(api).toMatchObject({ kind: 'Deployment', namespace: ns.stuck, name: 'api', ready: false });
    expect(api?.reason).toMatch(/0\/1 available/);
    expect(api?.reason).toMatch(/Pending/);
    expect(report.reasons).toContain(`1 workload(s) not ready: Deployment ${ns.stuck}/api`);
    expect(report.cleanup).toMatchObject({ mode: 'cleaned', left: [] });
    expect(await standby.namespaces()).not.toContain(ns.stuck);
  });
});

/** A drill run as its own process, stopped by the caller; resolves with its exit status and output. */
function spawnDrill(name: string, backup: string) {
  const child = spawn(
    process.execPath,
    [
      MAIN,
      '--log-level',
      'error',
      'drill',
      'run',
      '--cluster',
      cluster,
      '--backup',
      backup,
      '--name',
      name,
      '--timeout',
      '10m',
      '--wait-lock',
      '-o',
      'json',
    ],
    { env: { ...process.env, ...fixture.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (c: Buffer) => (out.stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out.stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, out, exited };
}

/** Until the stuck Deployment is restored into the standby: the drill then waits for it to be ready. */
const stuckRestored = () =>
  standby.until(async () => {
    const r = await standby.client
      .json<{ items: unknown[] }>({ path: `/apis/apps/v1/namespaces/${ns.stuck}/deployments` })
      .catch(() => ({ items: [] }));
    return r.items.length > 0;
  }, 300_000);

describe('a drill interrupted with SIGTERM', () => {
  it('cleans the standby up, records that it was interrupted and what it left', async () => {
    const name = `drill-term-${suffix}`;
    const { child, out, exited } = spawnDrill(name, `stuck-${suffix}`);
    // Interrupted while it waits for the restored Deployment, which never becomes ready.
    expect(await stuckRestored(), out.stderr).toBe(true);
    child.kill('SIGTERM');
    const status = await exited;
    expect(status, out.stderr).toBe(1);
    const report = JSON.parse(out.stdout) as DrillReport;
    expect(report).toMatchObject({ name, outcome: 'Failed', interrupted: true });
    expect(report.reasons).toContain('the drill was interrupted before it ended');
    expect(report.cleanup.mode).toBe('cleaned');
    expect(report.cleanup.left).toEqual([]);
    expect(await standby.namespaces()).not.toContain(ns.stuck);
    const described = await lifeboat('drill', 'describe', name, '--cluster', cluster, '-o', 'json');
    expect(JSON.parse(described.stdout)).toMatchObject({
      report: { interrupted: true },
      integrity: { ok: true },
    });
  });
});

describe('a drill that loses the standby lock midway', () => {
  const lockPath = `/apis/coordination.k8s.io/v1/namespaces/${STANDBY_LOCK_NAMESPACE}/leases/${STANDBY_LOCK_NAME}`;
  type Lease = { metadata: object; spec: Record<string, unknown> & { holderIdentity?: string } };
  const other = `restore r-takeover-${suffix} (pid 1 on elsewhere)`;

  afterAll(async () => {
    // The other holder is this test: it lets go, so other files' drills need not wait for it to expire.
    const lease = await standby.client.json<Lease>({ path: lockPath }).catch(() => undefined);
    if (lease?.spec.holderIdentity !== other) return;
    const { holderIdentity: _h, renewTime: _r, ...spec } = lease.spec;
    await standby.client.json({ method: 'PUT', path: lockPath, body: { ...lease, spec } }).catch(() => 0);
  });

  it('stops, cleans what it restored and ends Failed naming the new holder and since when', async () => {
    const name = `drill-lost-${suffix}`;
    const { out, exited } = spawnDrill(name, `stuck-${suffix}`);
    expect(await stuckRestored(), out.stderr).toBe(true);
    // Another lifeboat takes the Lease over as it would after expiry (the drill's renewals raced with it: retried).
    let since = '';
    for (let attempt = 0; since === '' && attempt < 20; attempt++) {
      const lease = await standby.client.json<Lease>({ path: lockPath });
      expect(lease.spec.holderIdentity).toContain(`drill ${name} `);
      const now = new Date().toISOString().replace(/Z$/, '000Z');
      const spec = { ...lease.spec, holderIdentity: other, acquireTime: now, renewTime: now };
      const put = await standby.client
        .json({
          method: 'PUT',
          path: lockPath,
          body: { ...lease, spec: { ...spec, leaseDurationSeconds: 20 } },
        })
        .then(() => true)
        .catch(() => false);
      if (put) since = now;
    }
    expect(since).not.toBe('');
    const status = await exited;
    expect(status, out.stderr).toBe(1);
    const report = JSON.parse(out.stdout) as DrillReport;
    expect(report).toMatchObject({ name, outcome: 'Failed', lockLost: { holder: other, since } });
    expect(report.interrupted).toBeUndefined();
    expect(report.reasons[0]).toContain(`the standby lock was taken over by ${other} since ${since}`);
    expect(report.reasons[0]).toContain(`the drill stopped at ${report.lockLost?.noticedAt ?? '?'}`);
    expect(report.rtoSeconds).toBeUndefined();
    expect(report.cleanup).toMatchObject({ mode: 'cleaned', left: [] });
    expect(report.cleanup.deleted).toContain(`namespace/${ns.stuck}`);
    expect(await standby.namespaces()).not.toContain(ns.stuck);
    // The drill never released (nor renewed) a Lease it no longer held.
    expect((await standby.client.json<Lease>({ path: lockPath })).spec.holderIdentity).toBe(other);
    const md = await lifeboat('drill', 'report', name, '--cluster', cluster, '-o', 'markdown');
    expect(md.stdout).toContain(`| Standby lock | lost at ${report.lockLost?.noticedAt ?? '?'}`);
  });
});
