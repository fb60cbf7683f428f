/**
 * Pod volume data on REAL nodes (kubelet + containerd), deployed as users deploy it: lifeboat's
 * image in each node's containerd, deploy/kubernetes/ and deploy/kubernetes/volumes/ applied to both
 * clusters (patched for this machine: see test/helpers/node-agent.ts), the agent DaemonSet's pod on
 * each node. A pod writes an emptyDir and a local PV on the source node; `lifeboat backup create`
 * takes them through the source's agent; the kopia CLI reads what it wrote; `lifeboat restore
 * create` on the standby brings the pod back with restore-wait, and the standby's agent writes the
 * data before the application starts and checks its own checksums.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.ts';
import type { NodeEnv } from '../harness/node.ts';
import { runCli } from '../helpers/cli.ts';
import { eventually, uniqueName } from '../helpers/kube.ts';
import { createS3Bucket } from '../helpers/locations.ts';
import {
  AGENT_NAMESPACE,
  type AgentPod,
  agentMemory,
  agentPod,
  deployAgent,
  killAgent,
  importLifeboatImage,
  LIFEBOAT_IMAGE,
  s3LocationConfig,
} from '../helpers/node-agent.ts';
import { containerLog, onlyNode, podVolumeDir } from '../helpers/nodes.ts';
import {
  claim,
  createLocalVolume,
  kopiaRestore,
  readPodVolumeBackups,
  treeOf,
  volumePod,
} from '../helpers/real-pod-volumes.ts';
const env = inject('harness');
const clusters = ['source', 'standby'] as const;
const kube = Object.fromEntries(
  clusters.map((c) => [c, new KubeClient(loadKubeConfig({ kubeconfig: env.clusters[c]!.kubeconfig }))]),
) as Record<(typeof clusters)[number], KubeClient>;
const nodes = {
  source: onlyNode(env.clusters['source']?.nodes, 'source'),
  standby: onlyNode(env.clusters['standby']?.nodes, 'standby'),
};
const app = uniqueName('fsb');
const storageClass = `${app}-local`;
const figures: string[] = [];
const agents = new Map<string, AgentPod>();
const sourceDirs = new Map<string, string>();

interface PodVolumeBackupRecord {
  spec: { volume: string };
  status: { snapshotID: string };
}

function withoutDirTimes(tree: Map<string, string>): Map<string, string> {
  return new Map([...tree].map(([k, v]) => [k, v.startsWith('dir ') ? v.replace(/ \d+$/, '') : v]));
}

/** Waits until a Running pod labelled app=web has logged a line matching `done`; returns it. */
function deploymentPodLogging(
  client: KubeClient,
  node: NodeEnv,
  namespace: string,
  done: RegExp,
): Promise<V1Pod> {
  return eventually(
    `a pod of ${namespace}/web logs ${done.source}`,
    async () => {
      const list = await client.json<{ items: V1Pod[] }>({
        path: `/api/v1/namespaces/${namespace}/pods`,
        query: { labelSelector: 'app=web' },
      });
      for (const pod of list.items.filter((p) => p.status?.phase === 'Running'))
        if (done.test(await containerLog(node, pod, 'app').catch(() => ''))) return pod;
      return undefined;
    },
    { timeoutMs: 150_000, intervalMs: 500 },
  );
}

/** Waits until the pod's app container has logged a line matching `done`; returns the pod. */
function podLogging(
  client: KubeClient,
  node: NodeEnv,
  namespace: string,
  name: string,
  done: RegExp,
): Promise<V1Pod> {
  return eventually(
    `pod ${namespace}/${name} logs ${done.source}`,
    async () => {
      const pod = await client.json<V1Pod>({ path: `/api/v1/namespaces/${namespace}/pods/${name}` });
      if (pod.status?.phase !== 'Running') return undefined;
      return done.test(await containerLog(node, pod, 'app')) ? pod : undefined;
    },
    { timeoutMs: 150_000, intervalMs: 500 },
  );
}
let work = '';
let bucket = '';
let cliEnv: Record<string, string> = {};

const lifeboat = (...args: string[]) =>
  runCli(['--log-level', 'error', ...args], { env: cliEnv, timeoutMs: 170_000 });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lifeboat-e2e16-'));
  const s3 = env.s3;
  if (s3 === undefined) throw new Error('start the nodes harness with --s3');
  bucket = await createS3Bucket(s3);
  const credentials = join(work, 'cloud');
  await writeFile(
    credentials,
    `[default]\naws_access_key_id = ${s3.accessKeyId}\naws_secret_access_key = ${s3.secretAccessKey}\n`,
    { mode: 0o600 },
  );
  await writeFile(join(work, 'config.yaml'), s3LocationConfig(s3, bucket, credentials));
  cliEnv = { LIFEBOAT_CONFIG: join(work, 'config.yaml'), LIFEBOAT_NAMESPACE: AGENT_NAMESPACE };
  await importLifeboatImage(work, [nodes.source, nodes.standby]);
}, 300_000);

afterAll(async () => {
  for (const c of clusters) {
    await kube[c].json({ method: 'DELETE', path: `/api/v1/namespaces/${app}` }).catch(() => undefined);
    kube[c].close();
  }
  await rm(work, { recursive: true, force: true });
  console.log(`pod volumes on real nodes:\n  ${figures.join('\n  ')}`);
});

describe('pod volume data on real nodes', () => {
  it("runs the agent DaemonSet from deploy/ on each cluster's node", async () => {
    for (const c of clusters) {
      const started = Date.now();
      const agent = await deployAgent(kube[c], {
        node: nodes[c],
        apiServer: env.clusters[c]!.server,
        s3: env.s3!,
        bucket,
      });
      figures.push(`${c}: agent pod Running and ready ${Date.now() - started} ms after apply`);
      agents.set(c, agent);
      const memory = await agentMemory(nodes[c], agent.containerId);
      figures.push(`${c}: agent RSS at start ${Math.round(memory.rssKb / 1024)} MiB`);
      expect(memory.rssKb).toBeGreaterThan(0);
    }
  });

  it('backs up an emptyDir and a local PV through the source agent; the kopia CLI restores them byte for byte', async () => {
    const client = kube.source;
    const node = nodes.source;
    await client.json({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: app } } });
    const pvName = `${app}-src`;
    await createLocalVolume(client, node, storageClass, pvName);
    await client.json({
      method: 'POST',
      path: `/api/v1/namespaces/${app}/persistentvolumeclaims`,
      body: claim('data', storageClass),
    });
    const volumes = [
      { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
      { name: 'scratch', emptyDir: {} },
    ];
    await client.json({
      method: 'POST',
      path: `/api/v1/namespaces/${app}/pods`,
      body: volumePod('db', volumes, ['data', 'scratch']),
    });
    const pod = await podLogging(client, node, app, 'db', /WRITTEN/);
    sourceDirs.set('data', podVolumeDir(node, pod, 'local-volume', pvName));
    sourceDirs.set('scratch', podVolumeDir(node, pod, 'empty-dir', 'scratch'));

    const backup = await lifeboat(
      'backup',
      'create',
      `${app}-b`,
      '--kubeconfig',
      env.clusters['source']!.kubeconfig,
      '--include-namespaces',
      app,
    );
    expect(backup.status, backup.stdout + backup.stderr).toBe(0);
    figures.push(`backup of 2 volumes (2 × ~5 MiB) with the namespace: ${backup.ms} ms`);
    const described = await lifeboat('backup', 'describe', `${app}-b`, '--details');
    expect(described.stdout).toMatch(/Phase:\s+Completed/);
    expect(described.stdout).toMatch(/data\s+Completed/);

    const pvbs = (await readPodVolumeBackups(env.s3!, bucket, `${app}-b`)) as PodVolumeBackupRecord[];
    expect(pvbs.map((p) => p.spec.volume).sort()).toEqual(['data', 'scratch']);
    for (const pvb of pvbs) {
      expect(pvb).toMatchObject({
        apiVersion: 'velero.io/v1',
        kind: 'PodVolumeBackup',
        metadata: { labels: { 'velero.io/backup-name': `${app}-b` } },
        spec: { node: node.name, pod: { namespace: app, name: 'db' }, uploaderType: 'kopia' },
        status: { phase: 'Completed' },
      });
      const target = join(work, `kopia-${pvb.spec.volume}`);
      const made = await kopiaRestore(work, env.s3!, bucket, app, pvb.status.snapshotID, target);
      const sourceName = pvb.spec.volume === 'data' ? 'data' : 'scratch';
      expect(made.source).toBe(`default@default:pod-volume-backup-restore/kopia/${app}/db/${sourceName}`);
      // kopia's own restore leaves a directory with the mtime of its newest file (as it does for a
      // snapshot the kopia CLI took of the same directory): directories' mtimes are left out here,
      // and compared to the µs after lifeboat's restore below.
      expect(withoutDirTimes(await treeOf(target))).toEqual(
        withoutDirTimes(await treeOf(sourceDirs.get(pvb.spec.volume) ?? '')),
      );
    }
    const memory = await agentMemory(node, agents.get('source')?.containerId ?? '');
    figures.push(
      `source agent RSS after the backup ${Math.round(memory.rssKb / 1024)} MiB (peak ${Math.round(memory.peakKb / 1024)} MiB)`,
    );
  });

  it('restores the pod on the standby: restore-wait holds the application until the agent has written its data', async () => {
    const client = kube.standby;
    const node = nodes.standby;
    const pvName = `${app}-dr`;
    await createLocalVolume(client, node, storageClass, pvName);
    const restore = await lifeboat(
      ...['restore', 'create', `${app}-r`, '--from-backup', `${app}-b`],
      ...['--kubeconfig', env.clusters['standby']!.kubeconfig, '--restore-helper-image', LIFEBOAT_IMAGE],
      ...['--pod-volume-timeout', '3m'],
    );
    expect(restore.status, restore.stdout + restore.stderr).toBe(0);
    expect(restore.stdout).toContain(`Restore "${app}-r" Completed`);
    figures.push(`restore of the namespace with 2 volumes: ${restore.ms} ms`);

    // The application checks its own checksums: had it started before its data, it would have found
    // no SHA256SUMS and written new files (WRITTEN) instead.
    const pod = await podLogging(client, node, app, 'db', /VERIFIED|CORRUPT|WRITTEN/);
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
    const described = await lifeboat('restore', 'describe', `${app}-r`);
    expect(described.stdout).toContain('Pod volume restores (kopia): Completed 2');
    const memory = await agentMemory(node, agents.get('standby')?.containerId ?? '');
    figures.push(
      `standby agent RSS after the restore ${Math.round(memory.rssKb / 1024)} MiB (peak ${Math.round(memory.peakKb / 1024)} MiB)`,
    );
  });

  it("gives a Deployment's pod, restored with its ReplicaSet as a new pod (new UID), its data", async () => {
    const ns = `${app}-web`;
    const source = kube.source;
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
    const before = await deploymentPodLogging(source, nodes.source, ns, /WRITTEN/);
    const backup = await lifeboat(
      'backup',
      'create',
      `${ns}-b`,
      '--kubeconfig',
      env.clusters['source']!.kubeconfig,
      '--include-namespaces',
      ns,
    );
    expect(backup.status, backup.stdout + backup.stderr).toBe(0);
    const restore = await lifeboat(
      ...['restore', 'create', `${ns}-r`, '--from-backup', `${ns}-b`],
      ...['--kubeconfig', env.clusters['standby']!.kubeconfig, '--restore-helper-image', LIFEBOAT_IMAGE],
      ...['--pod-volume-timeout', '3m'],
    );
    expect(restore.status, restore.stdout + restore.stderr).toBe(0);
    const after = await deploymentPodLogging(kube.standby, nodes.standby, ns, /VERIFIED|CORRUPT|WRITTEN/);
    expect(await containerLog(nodes.standby, after, 'app')).toBe('VERIFIED');
    expect(after.metadata?.uid).not.toBe(before.metadata?.uid);
    expect(await treeOf(podVolumeDir(nodes.standby, after, 'empty-dir', 'cache'))).toEqual(
      await treeOf(podVolumeDir(nodes.source, before, 'empty-dir', 'cache')),
    );
    await kube.standby.json({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
    await source.json({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
  });

  it('fails only the volume whose agent is killed mid-upload (PartiallyFailed), and the next backup succeeds', async () => {
    const ns = `${app}-kill`;
    const source = kube.source;
    await source.json({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
    const pod = volumePod('big', [{ name: 'bulk', emptyDir: {} }], ['bulk']) as {
      spec: { containers: { command: string[] }[] };
    };
    const container = pod.spec.containers[0];
    if (container === undefined) throw new Error('no container');
    // 200 MiB of random data: an upload long enough to be killed in the middle.
    container.command[2] = `dd if=/dev/urandom of=/vol/bulk/big.bin bs=1M count=200 2>/dev/null; ${container.command[2]}`;
    await source.json({ method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body: pod });
    await podLogging(source, nodes.source, ns, 'big', /WRITTEN/);
    const kubeconfig = env.clusters['source']!.kubeconfig;
    const running = lifeboat(
      'backup',
      'create',
      `${ns}-b`,
      '--kubeconfig',
      kubeconfig,
      '--include-namespaces',
      ns,
    );
    await eventually(
      'the pod volume backup uploading',
      async () => {
        const list = await source.json<{
          items: { status?: { phase?: string; progress?: { bytesDone?: number } } }[];
        }>({
          path: `/apis/lifeboat.io/v1alpha1/namespaces/${AGENT_NAMESPACE}/podvolumebackups`,
          query: { labelSelector: `velero.io/backup-name=${ns}-b` },
        });
        const uploading = (i: (typeof list.items)[number]) =>
          i.status?.phase === 'InProgress' && (i.status.progress?.bytesDone ?? 0) > 0;
        return list.items.some(uploading) ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    );
    const killed = agents.get('source');
    if (killed === undefined) throw new Error('no source agent');
    await killAgent(nodes.source, killed.containerId);
    const failed = await running;
    expect(failed.stdout + failed.stderr).toMatch(/PartiallyFailed/);
    const described = await lifeboat('backup', 'describe', `${ns}-b`, '--details');
    expect(described.stdout).toMatch(/bulk\s+Failed/);

    // The kubelet restarts the agent's container; the next backup is whole.
    agents.set('source', await agentPod(source, nodes.source.name));
    const again = await lifeboat(
      'backup',
      'create',
      `${ns}-b2`,
      '--kubeconfig',
      kubeconfig,
      '--include-namespaces',
      ns,
    );
    expect(again.status, again.stdout + again.stderr).toBe(0);
    figures.push(`backup of a 200 MiB random volume (new repository data): ${again.ms} ms`);
    expect((await lifeboat('backup', 'describe', `${ns}-b2`, '--details')).stdout).toMatch(
      /bulk\s+Completed/,
    );
    await source.json({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
  });
});
