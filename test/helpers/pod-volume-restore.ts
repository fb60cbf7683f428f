/**
 * Pod volume restore tests' helpers: a backup as Velero writes it for file-system backup (the
 * kopia CLI snapshots a directory the way Velero's uploader does, plus `<b>-podvolumebackups.json.gz`),
 * the kubelet's part on a simulated node (bind the restored pod, lay out its volume directories,
 * run its restore-wait init container), and a tree compared byte for byte with modes and mtimes.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmod,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { KubeClient } from '../../src/kube/index.ts';
import type { KubeObject } from '../../src/model/index.ts';
import { itemPath, tarGz, writeBackup } from '../fixtures/velero/velero-archive.ts';
import { kopiaBinaries } from './kopia.ts';
import { eventually } from './kube.ts';
import type { SimulatedNode } from './pod-volumes.ts';

const exec = promisify(execFile);
export const REPO_PASSWORD = 'static-passw0rd';

/** A volume's files: text and binary, modes, nested and empty dirs, symlinks (one dangling), set mtimes. */
export async function writeVolumeTree(root: string, seed: string): Promise<void> {
  await mkdir(join(root, 'db', 'wal'), { recursive: true });
  await mkdir(join(root, 'empty'));
  await writeFile(join(root, 'db', 'data.bin'), randomBytes(300_000 + seed.length));
  await writeFile(join(root, 'db', 'wal', '000001.log'), `log of ${seed}\n`);
  await writeFile(join(root, 'run.sh'), '#!/bin/sh\necho ok\n');
  await writeFile(join(root, 'secret.key'), `key-${seed}`);
  await chmod(join(root, 'run.sh'), 0o755);
  await chmod(join(root, 'secret.key'), 0o600);
  await chmod(join(root, 'db', 'wal'), 0o700);
  await symlink('db/data.bin', join(root, 'current'));
  await symlink('/nonexistent/target', join(root, 'dangling'));
  const past = new Date('2024-03-04T05:06:07.123Z');
  await utimes(join(root, 'db', 'data.bin'), past, past);
  await utimes(join(root, 'db', 'wal'), past, past);
}

/** path → type, mode, size, mtime (ms) and content or link target; `.velero` at the root left out. */
export async function treeOf(root: string, rel = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of (await readdir(join(root, rel))).sort()) {
    if (rel === '' && name === '.velero') continue;
    const path = rel === '' ? name : `${rel}/${name}`;
    const st = await lstat(join(root, path));
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isSymbolicLink()) out.set(path, `link ${await readlink(join(root, path))}`);
    else if (st.isDirectory()) {
      out.set(path, `dir ${mode} ${Math.round(st.mtimeMs)}`);
      for (const [k, v] of await treeOf(root, path)) out.set(k, v);
    } else {
      const body = createHash('sha256')
        .update(await readFile(join(root, path)))
        .digest('hex');
      out.set(path, `file ${mode} ${st.size} ${Math.round(st.mtimeMs)} ${body}`);
    }
  }
  return out;
}

/** Snapshots dir with the kopia CLI into `<fsRoot>/kopia/<ns>/` exactly as Velero's uploader files it. */
export async function veleroSnapshot(
  work: string,
  fsRoot: string,
  source: { namespace: string; pod: string; volume: string; dir: string },
): Promise<{ id: string; size: number }> {
  const { kopia } = await kopiaBinaries();
  const config = join(work, `kopia-${source.namespace}.config`);
  const base = ['--config-file', config, '--password', REPO_PASSWORD];
  const opts = { env: { PATH: process.env['PATH'] ?? '', HOME: work, KOPIA_CHECK_FOR_UPDATES: 'false' } };
  const repo = join(fsRoot, 'kopia', source.namespace);
  const cache = ['--cache-directory', join(work, `kopia-${source.namespace}.cache`)];
  const exists = await lstat(join(repo, 'kopia.repository.f')).then(
    () => true,
    () => false,
  );
  const verb = exists ? 'connect' : 'create';
  await exec(kopia, ['repository', verb, 'filesystem', '--path', repo, ...cache, ...base], opts);
  const { stdout } = await exec(
    kopia,
    [
      ...['snapshot', 'create', source.dir, '--json'],
      `--override-source=default@default:pod-volume-backup-restore/kopia/${source.namespace}/${source.pod}/${source.volume}`,
      ...['--tags', 'snapshot-requester:pod-volume-backup-restore', '--tags', 'snapshot-uploader:kopia'],
      ...['--description', 'Kopia Uploader', '--pin', 'velero-pin'],
      ...base,
    ],
    opts,
  );
  const made = JSON.parse(stdout) as { id: string; rootEntry: { summ: { size: number } } };
  return { id: made.id, size: made.rootEntry.summ.size };
}

/** A PodVolumeBackup as Velero stores it in `<b>-podvolumebackups.json.gz`. */
export function veleroPodVolumeBackup(
  backup: string,
  pod: { namespace: string; name: string },
  volume: string,
  snapshot: { id: string; size: number },
): object {
  const now = new Date().toISOString();
  return {
    kind: 'PodVolumeBackup',
    apiVersion: 'velero.io/v1',
    metadata: {
      name: `${backup}-${randomBytes(3).toString('hex')}`,
      generateName: `${backup}-`,
      namespace: 'velero',
      uid: `pvb-${randomBytes(4).toString('hex')}`,
      labels: {
        'velero.io/backup-name': backup,
        'velero.io/backup-uid': '8d6d7f3e-0000-4000-8000-000000000001',
      },
      ownerReferences: [
        { apiVersion: 'velero.io/v1', kind: 'Backup', name: backup, uid: 'b', controller: true },
      ],
    },
    spec: {
      node: 'old-node',
      pod: { kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: 'old-pod-uid' },
      volume,
      backupStorageLocation: 'default',
      repoIdentifier: '',
      uploaderType: 'kopia',
      tags: { backup, 'backup-uid': 'b', ns: pod.namespace, pod: pod.name, 'pod-uid': 'old-pod-uid', volume },
    },
    status: {
      phase: 'Completed',
      path: '/host_pods/old-pod-uid/volumes/kubernetes.io~empty-dir/' + volume,
      snapshotID: snapshot.id,
      startTimestamp: now,
      completionTimestamp: now,
      progress: { totalBytes: snapshot.size, bytesDone: snapshot.size },
    },
  };
}

/** A Running pod as Velero stores it: emptyDir volumes mounted by one container, on the old node. */
export function backedUpPod(namespace: string, name: string, volumes: string[]): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, uid: 'old-pod-uid', resourceVersion: '7', labels: { app: name } },
    spec: {
      nodeName: 'old-node',
      containers: [
        {
          name: 'db',
          image: 'busybox:stable',
          volumeMounts: volumes.map((v) => ({ name: v, mountPath: `/var/lib/${v}` })),
        },
      ],
      volumes: [
        ...volumes.map((v) => ({ name: v, emptyDir: {} })),
        { name: 'info', downwardAPI: { items: [] } },
      ],
    },
    status: { phase: 'Running' },
  };
}

/** Writes a Velero-made backup of a namespace with these pods and pod volume backups. */
export async function writePodVolumeBackup(
  fsRoot: string,
  name: string,
  namespace: string,
  pods: KubeObject[],
  pvbs: object[],
  others: { groupResource: string; item: KubeObject }[] = [],
): Promise<void> {
  const ns = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace },
    status: { phase: 'Active' },
  };
  const tarball = await tarGz([
    { name: 'metadata/version', body: '1\n' },
    { name: itemPath('namespaces', undefined, namespace), body: JSON.stringify(ns) },
    ...pods.map((p) => ({ name: itemPath('pods', namespace, p.metadata.name), body: JSON.stringify(p) })),
    ...others.map(({ groupResource, item }) => ({
      name: itemPath(groupResource, item.metadata.namespace, item.metadata.name),
      body: JSON.stringify(item),
    })),
  ]);
  await writeBackup(fsRoot, name, tarball, {
    [`${name}-podvolumebackups.json.gz`]: gzipSync(JSON.stringify(pvbs)),
  });
}

/**
 * The kubelet's part for a restored pod on a simulated node: the scheduler's binding, the emptyDir
 * directories of the volumes restore-wait mounts, then restore-wait reported running.
 */
export async function runRestoredPod(
  client: KubeClient,
  node: SimulatedNode,
  namespace: string,
  name: string,
  /** The kubelet's plugin directory and volume directory name of a volume (default: an emptyDir). */
  layout: (volume: string) => [string, string] = (v) => ['kubernetes.io~empty-dir', v],
): Promise<{ pod: KubeObject; dirs: Map<string, string> }> {
  const path = `/api/v1/namespaces/${namespace}/pods/${name}`;
  // Generous: the restore CLI starts from source, slowly on a loaded machine.
  const pod = await eventually(
    `pod ${namespace}/${name} restored`,
    () => client.json<KubeObject>({ path }).catch(() => undefined),
    { timeoutMs: 170_000 },
  );
  const uid = String(pod.metadata['uid']);
  await client.json({
    method: 'POST',
    path: `${path}/binding`,
    body: {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name },
      target: { apiVersion: 'v1', kind: 'Node', name: node.name },
    },
  });
  type Mount = { name: string; mountPath: string };
  const inits = (pod['spec'] as { initContainers?: { name: string; volumeMounts?: Mount[] }[] })
    .initContainers;
  const wait = inits?.find((c) => c.name === 'restore-wait');
  const dirs = new Map<string, string>();
  for (const m of (wait?.volumeMounts ?? []).filter((x) => x.mountPath.startsWith('/restores/')))
    dirs.set(m.name, await node.volumeDir(uid, ...layout(m.name)));
  await client.json({
    method: 'PATCH',
    path: `${path}/status`,
    contentType: 'application/merge-patch+json',
    body: {
      status: {
        phase: 'Pending',
        initContainerStatuses: [
          {
            name: 'restore-wait',
            ready: false,
            restartCount: 0,
            image: 'lifeboat:dev',
            imageID: '',
            state: { running: { startedAt: new Date().toISOString() } },
          },
        ],
      },
    },
  });
  return { pod, dirs };
}
