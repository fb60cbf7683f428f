/**
 * Pod volume data on a real node: a local PV as an operator prepares one (WaitForFirstConsumer
 * StorageClass, PV with node affinity), an application pod that writes its volumes and checks them
 * itself, a volume tree compared to the µs, and the object store read as Velero and kopia read it.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { KubeApiError, type KubeClient } from '../../src/kube/index.ts';
import type { NodeEnv } from '../harness/node.ts';
import type { S3Env } from '../harness/object-stores.ts';
import { kopiaBinaries, kopiaS3Storage } from './kopia.ts';
import { BUSYBOX } from './nodes.ts';

const exec = promisify(execFile);
/** Velero's static repository password (lifeboat's default too). */
export const REPO_PASSWORD = 'static-passw0rd';

async function create(client: KubeClient, path: string, body: object): Promise<void> {
  await client.json({ method: 'POST', path, body }).catch((err: unknown) => {
    if (!(err instanceof KubeApiError && err.status === 409)) throw err;
  });
}

/** A WaitForFirstConsumer local StorageClass and one PV of it on the node; returns the PV's host path. */
export async function createLocalVolume(
  client: KubeClient,
  node: NodeEnv,
  storageClass: string,
  pvName: string,
): Promise<string> {
  const path = join(dirname(node.rootDir), 'local-volumes', pvName);
  await mkdir(path, { recursive: true });
  await create(client, '/apis/storage.k8s.io/v1/storageclasses', {
    metadata: { name: storageClass },
    provisioner: 'kubernetes.io/no-provisioner',
    volumeBindingMode: 'WaitForFirstConsumer',
  });
  await create(client, '/api/v1/persistentvolumes', {
    metadata: { name: pvName },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      storageClassName: storageClass,
      persistentVolumeReclaimPolicy: 'Retain',
      local: { path },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node.name] }] },
          ],
        },
      },
    },
  });
  return path;
}

export function claim(name: string, storageClass: string): object {
  return {
    metadata: { name },
    spec: {
      storageClassName: storageClass,
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
    },
  };
}

/**
 * The application: on first start it writes small files, a 5 MiB random file, a symlink and nested
 * dirs into each volume, then each volume's SHA256SUMS, and logs WRITTEN; when it finds its checksums
 * (its data came back) it checks them and logs VERIFIED or CORRUPT.
 */
export function appScript(mountPaths: string[]): string {
  const dirs = mountPaths.join(' ');
  const write = [
    `for d in ${dirs}; do`,
    'mkdir -p $d/nested/deeper $d/empty',
    'echo "small file of $d" > $d/a.txt; echo second > $d/nested/deeper/b.txt',
    'dd if=/dev/urandom of=$d/nested/big.bin bs=1M count=5 2>/dev/null',
    'chmod 600 $d/a.txt; chmod 750 $d/nested/deeper; chmod 755 $d/nested',
    'ln -s nested/big.bin $d/current; ln -s /nowhere $d/dangling',
    '(cd $d && find . -type f ! -name SHA256SUMS | sort | xargs sha256sum > SHA256SUMS)',
    'done; sync; echo WRITTEN',
  ].join('\n');
  const verify = `ok=1; for d in ${dirs}; do (cd $d && sha256sum -c -s SHA256SUMS) || ok=0; done; [ $ok = 1 ] && echo VERIFIED || echo CORRUPT`;
  return [
    `if [ -f ${mountPaths[0]}/SHA256SUMS ]; then ${verify}; else`,
    write,
    'fi',
    'trap "exit 0" TERM; while true; do sleep 1; done',
  ].join('\n');
}

/** The application pod: one container mounting each volume at /vol/<name>, opted in to file-system backup. */
export function volumePod(name: string, volumes: object[], names: string[]): object {
  return {
    metadata: { name, annotations: { 'backup.velero.io/backup-volumes': names.join(',') } },
    spec: {
      terminationGracePeriodSeconds: 1,
      automountServiceAccountToken: false,
      containers: [
        {
          name: 'app',
          image: BUSYBOX,
          imagePullPolicy: 'Never',
          command: ['/bin/sh', '-c', appScript(names.map((n) => `/vol/${n}`))],
          volumeMounts: names.map((n) => ({ name: n, mountPath: `/vol/${n}` })),
        },
      ],
      volumes,
    },
  };
}

/** path → type, mode, size, mtime (µs), sha256 or link target; the root's `.velero` left out. */
export async function treeOf(root: string, rel = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of (await readdir(join(root, rel))).sort()) {
    if (rel === '' && (name === '.velero' || name === 'lost+found')) continue;
    const path = rel === '' ? name : `${rel}/${name}`;
    const st = await lstat(join(root, path), { bigint: true });
    const mode = (st.mode & 0o7777n).toString(8);
    const mtimeUs = st.mtimeNs / 1000n;
    if (st.isSymbolicLink()) out.set(path, `link ${await readlink(join(root, path))}`);
    else if (st.isDirectory()) {
      out.set(path, `dir ${mode} ${mtimeUs}`);
      for (const [k, v] of await treeOf(root, path)) out.set(k, v);
    } else {
      const body = createHash('sha256')
        .update(await readFile(join(root, path)))
        .digest('hex');
      out.set(path, `file ${mode} ${st.size} ${mtimeUs} ${body}`);
    }
  }
  return out;
}

/** `backups/<b>/<b>-<file>` of a bucket, gunzipped and parsed, as Velero reads it. */
export function readBackupSidecar(s3: S3Env, bucket: string, backup: string, file: string): Promise<unknown> {
  return readGzipJson(s3, bucket, `backups/${backup}/${backup}-${file}`);
}

/** An object of a bucket, gunzipped and parsed. */
export async function readGzipJson(s3: S3Env, bucket: string, key: string): Promise<unknown> {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  try {
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = await got.Body?.transformToByteArray();
    if (body === undefined) throw new Error(`empty object ${key}`);
    return JSON.parse(gunzipSync(body).toString('utf8')) as unknown;
  } finally {
    client.destroy();
  }
}

/** `backups/<b>/<b>-podvolumebackups.json.gz` of a bucket, as Velero reads it. */
export function readPodVolumeBackups(s3: S3Env, bucket: string, backup: string): Promise<unknown> {
  return readBackupSidecar(s3, bucket, backup, 'podvolumebackups.json.gz');
}

/** The kopia CLI, connected to `kopia/<namespace>/` of the bucket, restores a snapshot into target. */
export async function kopiaRestore(
  work: string,
  s3: S3Env,
  bucket: string,
  namespace: string,
  snapshotId: string,
  target: string,
): Promise<{ source: string; tags: Record<string, string> }> {
  const { kopia } = await kopiaBinaries();
  const config = join(work, `kopia-${namespace}.config`);
  const base = ['--config-file', config, '--password', REPO_PASSWORD];
  const opts = { env: { PATH: process.env['PATH'] ?? '', HOME: work, KOPIA_CHECK_FOR_UPDATES: 'false' } };
  await exec(
    kopia,
    [
      ...['repository', 'connect', ...kopiaS3Storage(s3, bucket, `kopia/${namespace}/`)],
      ...['--cache-directory', join(work, `kopia-${namespace}.cache`), ...base],
    ],
    opts,
  );
  const { stdout } = await exec(kopia, ['snapshot', 'list', '--all', '--json', ...base], opts);
  const snapshots = JSON.parse(stdout) as {
    id: string;
    source: { host: string; userName: string; path: string };
    tags?: Record<string, string>;
  }[];
  const made = snapshots.find((s) => s.id === snapshotId);
  if (made === undefined) throw new Error(`kopia lists no snapshot ${snapshotId}`);
  await exec(kopia, ['snapshot', 'restore', snapshotId, target, ...base], opts);
  const { userName, host, path } = made.source;
  return { source: `${userName}@${host}:${path}`, tags: made.tags ?? {} };
}
