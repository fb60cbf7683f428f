/**
 * A DR drill with pod volume data on REAL nodes: a pod writes an emptyDir on the source's node, the
 * backup takes it through the source's agent (lifeboat's image, the DaemonSet from deploy/), and the
 * drill restores it onto the standby's node, where the agent writes the volume and — asked by the
 * drill — re-reads it: every file re-split and re-hashed with the repository's keyed hash against the
 * snapshot before the application may start. Then the standby's agent is the same code run by this
 * test on the node's kubelet directory, with a hook that alters one restored file on the node's disk
 * between the write and the check: the drill fails naming the pod's volume and the path.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { NodeAgent, podVolumeRestoreWorker } from '../../src/app/agent/index.ts';
import type { DrillReport } from '../../src/drill/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import { eventually, uniqueName } from '../helpers/kube.ts';
import { AGENT_NAMESPACE, LIFEBOAT_IMAGE } from '../helpers/node-agent.ts';
import { podLogging, type RealNodes, realNodes } from '../helpers/pod-volumes-nodes.ts';
import { volumePod } from '../helpers/real-pod-volumes.ts';

const app = uniqueName('drillpv');
const cluster = `c-${app}`;
let t: RealNodes;

/** `drill run` of the cluster's newest backup, its report parsed from stdout. */
async function drill(): Promise<{ status: number | null; report: DrillReport }> {
  const run = await t.lifeboat(
    ...['drill', 'run', '--cluster', cluster, '--latest', '--timeout', '4m', '--wait-lock'],
    ...['--restore-helper-image', LIFEBOAT_IMAGE, '--pod-volume-timeout', '4m', '-o', 'json'],
  );
  expect(run.stdout, run.stderr).not.toBe('');
  return { status: run.status, report: JSON.parse(run.stdout) as DrillReport };
}

beforeAll(async () => {
  t = await realNodes(inject('harness'), 'a drill with pod volume data on real nodes');
  await t.deployAgents();
  const source = t.kube.source;
  await source.json({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: app } } });
  await source.json({
    method: 'POST',
    path: `/api/v1/namespaces/${app}/pods`,
    body: volumePod('db', [{ name: 'scratch', emptyDir: {} }], ['scratch']),
  });
  await podLogging(source, t.nodes.source, app, 'db', /WRITTEN/);
  const add = await t.lifeboat(
    ...['cluster', 'add', cluster, '--kubeconfig', t.kubeconfig.source],
    ...['--standby', t.kubeconfig.standby],
  );
  expect(add.status, add.stderr).toBe(0);
  const backup = await t.lifeboat(
    'backup',
    'create',
    `${app}-b`,
    '--cluster',
    cluster,
    '--include-namespaces',
    app,
  );
  expect(backup.status, backup.stdout + backup.stderr).toBe(0);
}, 900_000);

afterAll(async () => {
  await t?.close([app]);
});

describe('a drill with pod volume data on real nodes', () => {
  it("passes once the standby's agent has re-hashed every restored file against the snapshot", async () => {
    const { status, report } = await drill();
    expect(status, JSON.stringify(report.reasons)).toBe(0);
    expect(report.outcome).toBe('Passed');
    expect(report.workloads).toEqual([{ kind: 'Pod', namespace: app, name: 'db', ready: true }]);
    // The application's own files: a.txt, nested/deeper/b.txt, nested/big.bin (5 MiB) and
    // SHA256SUMS; the symlinks current and dangling; the root, nested, nested/deeper and empty.
    expect(report.volumes).toHaveLength(1);
    expect(report.volumes[0]).toMatchObject({
      namespace: app,
      pod: 'db',
      volume: 'scratch',
      phase: 'Completed',
      ok: true,
      checked: { files: 4, symlinks: 2, directories: 4, mismatchCount: 0, mismatches: [] },
    });
    expect(report.volumes[0]?.checked?.bytes).toBeGreaterThan(5 << 20);
    expect(report.phases.map((p) => p.name)).toContain('data');
    expect(report.cleanup).toMatchObject({ mode: 'cleaned', left: [] });
    const md = await t.lifeboat('drill', 'report', report.name, '--cluster', cluster, '-o', 'markdown');
    expect(md.stdout).toMatch(/\| 4 files, \d+ bytes: all match \|/);
    t.figures.push(`drill with a 5 MiB volume re-hashed: RTO ${report.rtoSeconds?.toFixed(1)} s`);
  }, 900_000);

  it('fails when a restored file differs from the snapshot on the node, naming the volume and the path', async () => {
    const standby = t.kube.standby;
    const node = t.nodes.standby;
    // The standby's DaemonSet agent leaves; this process runs the agent's code for the node instead.
    await standby.json({
      method: 'DELETE',
      path: `/apis/apps/v1/namespaces/${AGENT_NAMESPACE}/daemonsets/lifeboat-agent`,
    });
    await eventually(
      'the standby agent pod gone',
      async () => {
        const pods = await standby.json<{ items: unknown[] }>({
          path: `/api/v1/namespaces/${AGENT_NAMESPACE}/pods`,
          query: { labelSelector: 'app.kubernetes.io/name=lifeboat-agent' },
        });
        return pods.items.length === 0 ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    const altered: string[] = [];
    const agent = new NodeAgent({
      client: standby,
      namespace: AGENT_NAMESPACE,
      nodeName: node.name,
      hostPods: join(node.rootDir, 'pods'),
      configPath: join(t.work, 'config.yaml'),
      logger: silentLogger(),
      workers: [
        podVolumeRestoreWorker({
          // Between the agent's write and its check: one byte of the restored 5 MiB file flipped in
          // place on the node's disk (the size stays: only re-hashing the bytes tells).
          beforeCheck: async (dir) => {
            const file = await open(join(dir, 'nested', 'big.bin'), 'r+');
            try {
              const byte = Buffer.alloc(1);
              await file.read(byte, 0, 1, 4096);
              await file.write(Buffer.from([(byte[0] ?? 0) ^ 0xff]), 0, 1, 4096);
            } finally {
              await file.close();
            }
            altered.push(dir);
          },
        }),
      ],
    });
    await agent.start();
    try {
      const { status, report } = await drill();
      expect(status).toBe(1);
      expect(altered).toHaveLength(1);
      expect(report.outcome).toBe('Failed');
      const [volume] = report.volumes;
      expect(volume).toMatchObject({ pod: 'db', volume: 'scratch', ok: false });
      expect(volume?.checked?.mismatches.map((m) => m.path)).toEqual(['nested/big.bin']);
      expect(volume?.checked?.mismatches[0]?.reason).toMatch(
        /^its bytes differ from the snapshot's from byte 0 on \(content 1 of \d+\)$/,
      );
      expect(report.reasons.join('\n')).toContain(
        `volume data check failed for ${app}/db/scratch (1 path(s) differ`,
      );
      expect(report.reasons.join('\n')).toContain('nested/big.bin');
      expect(report.cleanup).toMatchObject({ mode: 'cleaned', left: [] });
    } finally {
      await agent.stop();
    }
  }, 900_000);
});
