/**
 * Pod volume data on REAL nodes (kubelet + containerd), deployed as users deploy it: lifeboat's
 * image in each node's containerd, deploy/kubernetes/ and deploy/kubernetes/volumes/ applied to both
 * clusters (patched for this machine: see test/helpers/node-agent.ts), the agent DaemonSet's pod on
 * each node. A pod writes an emptyDir and a local PV on the source node; `lifeboat backup create`
 * takes them through the source's agent; the kopia CLI reads what it wrote; `lifeboat restore
 * create` on the standby brings the pod back with restore-wait, and the standby's agent writes the
 * data before the application starts and checks its own checksums.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '../helpers/kube.ts';
import { agentPod, killAgent, LIFEBOAT_IMAGE } from '../helpers/node-agent.ts';
import { containerLog, podVolumeDir } from '../helpers/nodes.ts';
import {
  appWithLocalClaim,
  bulkPod,
  podLogging,
  podOfLogging,
  type RealNodes,
  realNodes,
  uploading,
  withoutDirTimes,
} from '../helpers/pod-volumes-nodes.ts';
import {
  createLocalVolume,
  kopiaRestore,
  readPodVolumeBackups,
  treeOf,
  volumePod,
} from '../helpers/real-pod-volumes.ts';

const app = uniqueName('fsb');
const storageClass = `${app}-local`;
const sourceDirs = new Map<string, string>();
let t: RealNodes;

interface PodVolumeBackupRecord {
  spec: { volume: string };
  status: { snapshotID: string };
}

beforeAll(async () => {
  t = await realNodes(inject('harness'), 'pod volumes on real nodes');
}, 900_000);

afterAll(async () => {
  await t?.close([app, `${app}-web`, `${app}-kill`]);
});

describe('pod volume data on real nodes', () => {
  it("runs the agent DaemonSet from deploy/ on each cluster's node", async () => {
    await t.deployAgents();
    for (const c of ['source', 'standby'] as const) await t.agentFigure(c, 'at start');
    expect(t.agents.size).toBe(2);
  }, 600_000);

  it('backs up an emptyDir and a local PV through the source agent; the kopia CLI restores them byte for byte', async () => {
    const node = t.nodes.source;
    const pvName = `${app}-src`;
    const pod = await appWithLocalClaim(t.kube.source, node, app, storageClass, pvName);
    sourceDirs.set('data', podVolumeDir(node, pod, 'local-volume', pvName));
    sourceDirs.set('scratch', podVolumeDir(node, pod, 'empty-dir', 'scratch'));

    const backup = await t.backup(`${app}-b`, app);
    expect(backup.status, backup.stdout + backup.stderr).toBe(0);
    t.figures.push(`backup of 2 volumes (2 × ~5 MiB) with the namespace: ${backup.ms} ms`);
    const described = await t.lifeboat('backup', 'describe', `${app}-b`, '--details');
    expect(described.stdout).toMatch(/Phase:\s+Completed/);
    expect(described.stdout).toMatch(/data\s+Completed/);

    const pvbs = (await readPodVolumeBackups(t.s3, t.bucket, `${app}-b`)) as PodVolumeBackupRecord[];
    expect(pvbs.map((p) => p.spec.volume).sort()).toEqual(['data', 'scratch']);
    for (const pvb of pvbs) {
      expect(pvb).toMatchObject({
        apiVersion: 'velero.io/v1',
        kind: 'PodVolumeBackup',
        metadata: { labels: { 'velero.io/backup-name': `${app}-b` } },
        spec: { node: node.name, pod: { namespace: app, name: 'db' }, uploaderType: 'kopia' },
        status: { phase: 'Completed' },
      });
      const target = join(t.work, `kopia-${pvb.spec.volume}`);
      const made = await kopiaRestore(t.work, t.s3, t.bucket, app, pvb.status.snapshotID, target);
      expect(made.source).toBe(
        `default@default:pod-volume-backup-restore/kopia/${app}/db/${pvb.spec.volume}`,
      );
      // kopia's own restore leaves a directory with the mtime of its newest file (as it does for a
      // snapshot the kopia CLI took of the same directory): directories' mtimes are left out here,
      // and compared to the µs after lifeboat's restore below.
      expect(withoutDirTimes(await treeOf(target))).toEqual(
        withoutDirTimes(await treeOf(sourceDirs.get(pvb.spec.volume) ?? '')),
      );
    }
    await t.agentFigure('source', 'after the backup');
  }, 600_000);

  it('restores the pod on the standby: restore-wait holds the application until the agent has written its data', async () => {
    const node = t.nodes.standby;
    const pvName = `${app}-dr`;
    await createLocalVolume(t.kube.standby, node, storageClass, pvName);
    const restore = await t.restore(`${app}-r`, `${app}-b`);
    expect(restore.status, restore.stdout + restore.stderr).toBe(0);
    expect(restore.stdout).toContain(`Restore "${app}-r" Completed`);
    t.figures.push(`restore of the namespace with 2 volumes: ${restore.ms} ms`);

    // The application checks its own checksums: had it started before its data, it would have found
    // no SHA256SUMS and written new files (WRITTEN) instead.
    const pod = await podLogging(t.kube.standby, node, app, 'db', /VERIFIED|CORRUPT|WRITTEN/);
    expect(await containerLog(node, pod, 'app')).toBe('VERIFIED');
    const wait = pod.status?.initContainerStatuses?.find((s) => s.name === 'restore-wait');
    expect(wait?.state?.terminated?.exitCode).toBe(0);
    const appStarted = pod.status?.containerStatuses?.[0]?.state?.running?.startedAt;
    expect(new Date(wait?.state?.terminated?.finishedAt ?? NaN) <= new Date(appStarted ?? NaN)).toBe(true);
    const init = pod.spec?.initContainers?.[0];
    expect(init?.image).toBe(LIFEBOAT_IMAGE);
    expect([...(init?.command ?? []), ...(init?.args ?? [])]).toContain('restore-helper');

    expect(await treeOf(podVolumeDir(node, pod, 'local-volume', pvName))).toEqual(
      await treeOf(sourceDirs.get('data') ?? ''),
    );
    expect(await treeOf(podVolumeDir(node, pod, 'empty-dir', 'scratch'))).toEqual(
      await treeOf(sourceDirs.get('scratch') ?? ''),
    );
    const described = await t.lifeboat('restore', 'describe', `${app}-r`);
    expect(described.stdout).toContain('Pod volume restores (kopia): Completed 2');
    await t.agentFigure('standby', 'after the restore');
  }, 600_000);

  it("gives a Deployment's pod, restored with its ReplicaSet as a new pod (new UID), its data", async () => {
    const ns = `${app}-web`;
    const source = t.kube.source;
    await source.json({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
    const template = volumePod('web', [{ name: 'cache', emptyDir: {} }], ['cache']) as {
      metadata: { annotations: Record<string, string> };
      spec: object;
    };
    await source.json({
      method: 'POST',
      path: `/apis/apps/v1/namespaces/${ns}/deployments`,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' }, annotations: template.metadata.annotations },
            spec: template.spec,
          },
        },
      },
    });
    const before = await podOfLogging(source, t.nodes.source, ns, 'app=web', /WRITTEN/);
    const backup = await t.backup(`${ns}-b`, ns);
    expect(backup.status, backup.stdout + backup.stderr).toBe(0);
    const restore = await t.restore(`${ns}-r`, `${ns}-b`);
    expect(restore.status, restore.stdout + restore.stderr).toBe(0);
    const after = await podOfLogging(
      t.kube.standby,
      t.nodes.standby,
      ns,
      'app=web',
      /VERIFIED|CORRUPT|WRITTEN/,
    );
    expect(await containerLog(t.nodes.standby, after, 'app')).toBe('VERIFIED');
    expect(after.metadata?.uid).not.toBe(before.metadata?.uid);
    expect(await treeOf(podVolumeDir(t.nodes.standby, after, 'empty-dir', 'cache'))).toEqual(
      await treeOf(podVolumeDir(t.nodes.source, before, 'empty-dir', 'cache')),
    );
  }, 600_000);

  it('fails only the volume whose agent is killed mid-upload (PartiallyFailed), and the next backup succeeds', async () => {
    const ns = `${app}-kill`;
    const source = t.kube.source;
    await source.json({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
    // 200 MiB of random data: an upload long enough to be killed in the middle.
    await source.json({ method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body: bulkPod('big', 200) });
    await podLogging(source, t.nodes.source, ns, 'big', /WRITTEN/);
    const running = t.backup(`${ns}-b`, ns);
    await uploading(source, `${ns}-b`);
    const killed = t.agents.get('source');
    if (killed === undefined) throw new Error('no source agent');
    await killAgent(t.nodes.source, killed.containerId);
    const failed = await running;
    expect(failed.stdout + failed.stderr).toMatch(/PartiallyFailed/);
    const described = await t.lifeboat('backup', 'describe', `${ns}-b`, '--details');
    expect(described.stdout).toMatch(/bulk\s+Failed/);

    // The kubelet restarts the agent's container; the next backup is whole.
    t.agents.set('source', await agentPod(source, t.nodes.source.name));
    const again = await t.backup(`${ns}-b2`, ns);
    expect(again.status, again.stdout + again.stderr).toBe(0);
    t.figures.push(`backup of a 200 MiB random volume (new repository data): ${again.ms} ms`);
    expect((await t.lifeboat('backup', 'describe', `${ns}-b2`, '--details')).stdout).toMatch(
      /bulk\s+Completed/,
    );
  }, 600_000);
});
