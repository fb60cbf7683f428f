/**
 * lifeboat's node agent deployed as users deploy it, on a harness's real node: the agent image
 * imported into the node's containerd, then deploy/kubernetes/ (namespace, service account, config
 * and credentials) and deploy/kubernetes/volumes/ (CRDs, agent RBAC, DaemonSet) applied, with the
 * few patches this machine needs (each named below).
 */
import { execFile } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { buildCli } from '../../scripts/build.ts';
import { KubeApiError, type KubeClient } from '../../src/kube/index.ts';
import { writeImageArchive } from '../harness/images.ts';
import { LIFEBOAT_IMAGE, lifeboatImage } from '../harness/node-images.ts';
import { cacheDir, repoRoot } from '../harness/paths.ts';
import type { NodeEnv } from '../harness/node.ts';
import type { S3Env } from '../harness/object-stores.ts';
import { eventually } from './kube.ts';

const run = promisify(execFile);
const DEPLOY = join(import.meta.dirname, '..', '..', 'deploy', 'kubernetes');
export const AGENT_NAMESPACE = 'lifeboat';
export { LIFEBOAT_IMAGE };

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  [key: string]: unknown;
}

const COLLECTIONS: Record<string, (ns: string) => string> = {
  Namespace: () => '/api/v1/namespaces',
  ServiceAccount: (ns) => `/api/v1/namespaces/${ns}/serviceaccounts`,
  ConfigMap: (ns) => `/api/v1/namespaces/${ns}/configmaps`,
  Secret: (ns) => `/api/v1/namespaces/${ns}/secrets`,
  Role: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`,
  RoleBinding: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
  ClusterRole: () => '/apis/rbac.authorization.k8s.io/v1/clusterroles',
  ClusterRoleBinding: () => '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
  CustomResourceDefinition: () => '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
  DaemonSet: (ns) => `/apis/apps/v1/namespaces/${ns}/daemonsets`,
};

/** Imports lifeboat's image, built from a bundle of the code under test, into each node. */
export async function importLifeboatImage(nodes: NodeEnv[]): Promise<void> {
  const archive = await lifeboatImageArchive();
  for (const node of nodes)
    await run('/usr/bin/ctr', ['-a', node.containerdSocket, '-n', 'k8s.io', 'images', 'import', archive]);
}

/** What the image is made of: the product's sources, its build and the image recipe. */
const IMAGE_INPUTS = [
  'src',
  'package-lock.json',
  'scripts/build.ts',
  'test/harness/node-images.ts',
  'test/harness/images.ts',
];
const IMAGES = join(cacheDir(), 'test-images');
const KEEP_ARCHIVES = 2;

/**
 * The image archive of the code under test, built once per content (a hash of every file it is made
 * of, and the Node runtime's version): the run's nodes test files share one instead of each bundling
 * the CLI and writing 150 MB again (~12 s a file). Built in a folder of its own and renamed into
 * place, so a reader never sees half an archive; older archives beyond the newest two are removed.
 */
async function lifeboatImageArchive(): Promise<string> {
  const hash = createHash('sha256').update(process.version);
  for (const input of IMAGE_INPUTS) await hashTree(hash, join(repoRoot, input), input);
  const archive = join(IMAGES, `lifeboat-${hash.digest('hex').slice(0, 16)}.tar`);
  if (
    await stat(archive).then(
      () => true,
      () => false,
    )
  )
    return archive;
  await mkdir(IMAGES, { recursive: true });
  const work = await mkdtemp(join(IMAGES, 'build-'));
  try {
    await buildCli(join(work, 'bundle'));
    await writeImageArchive(await lifeboatImage(join(work, 'bundle')), join(work, 'image.tar'));
    await rename(join(work, 'image.tar'), archive);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const archives = (await readdir(IMAGES)).filter((f) => f.startsWith('lifeboat-') && f.endsWith('.tar'));
  const byAge = await Promise.all(
    archives.map(async (f) => ({ f, t: (await stat(join(IMAGES, f))).mtimeMs })),
  );
  for (const { f } of byAge.sort((a, b) => b.t - a.t).slice(KEEP_ARCHIVES))
    await rm(join(IMAGES, f), { force: true });
  return archive;
}

/** Feeds a file, or every file below a folder in name order, into the hash with its path. */
async function hashTree(hash: Hash, path: string, name: string): Promise<void> {
  const info = await stat(path);
  if (!info.isDirectory()) {
    hash.update(`${name}\0${info.size}\0`).update(await readFile(path));
    return;
  }
  for (const entry of (await readdir(path)).sort())
    await hashTree(hash, join(path, entry), `${name}/${entry}`);
}

/** The location every lifeboat of the test uses: a bucket of the harness S3 server, named "default". */
export function s3LocationConfig(s3: S3Env, bucket: string, credentialsFile: string): string {
  return stringify({
    apiVersion: 'lifeboat.io/v1alpha1',
    kind: 'Config',
    locations: [
      {
        name: 'default',
        provider: 'aws',
        objectStorage: { bucket },
        config: { region: s3.region, s3Url: s3.endpoint, s3ForcePathStyle: 'true' },
        credentialsFile,
        default: true,
      },
    ],
  });
}

async function manifestsOf(files: string[]): Promise<Manifest[]> {
  const out: Manifest[] = [];
  for (const file of files)
    for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
      const value = doc.toJS() as Manifest | null;
      if (value !== null) out.push(value);
    }
  return out;
}

type Json = Record<string, unknown>;
type AgentPodSpec = {
  hostNetwork?: boolean;
  volumes: { name: string; hostPath?: { path: string } }[];
  containers: { image: string; imagePullPolicy: string; env: Json[] }[];
};

/**
 * The users' manifests with this machine's patches: the config points at the test's bucket and the
 * credentials are the harness's; the DaemonSet runs the imported image, mounts the node's kubelet
 * root (not /var/lib/kubelet here) and, as no kube-proxy or pod routing to the API server exists on
 * this machine (spec/real-nodes.md, known limits), uses the host network and 127.0.0.1:<port>.
 */
function patched(m: Manifest, node: NodeEnv, apiServer: URL, s3: S3Env, bucket: string): Manifest {
  if (m.kind === 'ConfigMap')
    return {
      ...m,
      data: { 'config.yaml': s3LocationConfig(s3, bucket, '/etc/lifeboat/credentials/cloud') },
    };
  if (m.kind === 'Secret')
    return {
      ...m,
      stringData: {
        cloud: `[default]\naws_access_key_id = ${s3.accessKeyId}\naws_secret_access_key = ${s3.secretAccessKey}\n`,
      },
    };
  if (m.kind !== 'DaemonSet') return m;
  const ds = structuredClone(m) as Manifest & {
    spec: { template: { metadata: { annotations?: Record<string, string> }; spec: AgentPodSpec } };
  };
  // A new config rolls the agents (they read their config once): the config's hash on the template.
  const config = createHash('sha256')
    .update(s3LocationConfig(s3, bucket, ''))
    .digest('hex');
  ds.spec.template.metadata.annotations = { 'lifeboat.io/config-sha256': config.slice(0, 16) };
  const pod = ds.spec.template.spec;
  pod.hostNetwork = true;
  const hostPods = pod.volumes.find((v) => v.name === 'host-pods')?.hostPath;
  if (hostPods === undefined) throw new Error('the DaemonSet has no host-pods hostPath volume');
  hostPods.path = join(node.rootDir, 'pods');
  for (const c of pod.containers) {
    c.image = LIFEBOAT_IMAGE;
    c.imagePullPolicy = 'Never';
    c.env.push(
      { name: 'KUBERNETES_SERVICE_HOST', value: apiServer.hostname },
      { name: 'KUBERNETES_SERVICE_PORT', value: apiServer.port },
    );
  }
  return ds;
}

/** Creates the object, or replaces the one already there (a harness reused across runs). */
async function apply(client: KubeClient, m: Manifest): Promise<void> {
  const collection = COLLECTIONS[m.kind];
  if (collection === undefined) throw new Error(`no collection for ${m.kind}`);
  const path = collection(m.metadata.namespace ?? AGENT_NAMESPACE);
  try {
    await client.json({ method: 'POST', path, body: m });
  } catch (err) {
    if (!(err instanceof KubeApiError && err.status === 409)) throw err;
    if (m.kind === 'Namespace' || m.kind === 'CustomResourceDefinition') return;
    const current = await client.json<Manifest>({ path: `${path}/${m.metadata.name}` });
    const body = { ...m, metadata: { ...m.metadata, resourceVersion: current.metadata.resourceVersion } };
    await client.json({ method: 'PUT', path: `${path}/${m.metadata.name}`, body });
  }
}

/** The files users apply for pod volume data: the base without the server's Deployment and Service. */
async function deployFiles(): Promise<string[]> {
  const base = ['00-namespace.yaml', '10-serviceaccount.yaml', '20-rbac-backup.yaml', '30-config.yaml'];
  const volumes = (await readdir(join(DEPLOY, 'volumes'))).filter((f) => f.endsWith('.yaml')).sort();
  return [...base.map((f) => join(DEPLOY, f)), ...volumes.map((f) => join(DEPLOY, 'volumes', f))];
}

export interface AgentPod {
  name: string;
  uid: string;
  containerId: string;
}

/** Applies the manifests to a cluster and waits until the agent pod runs on the node and holds its Lease. */
export async function deployAgent(
  client: KubeClient,
  options: { node: NodeEnv; apiServer: string; s3: S3Env; bucket: string },
): Promise<AgentPod> {
  const all = await manifestsOf(await deployFiles());
  const before = await agentPods(client).catch(() => ({ items: [] }));
  for (const m of all) {
    await apply(client, patched(m, options.node, new URL(options.apiServer), options.s3, options.bucket));
    if (m.kind === 'CustomResourceDefinition')
      await eventually(`CRD ${m.metadata.name} established`, async () => {
        const got = await client.json<{ status?: { conditions?: { type: string; status: string }[] } }>({
          path: `${COLLECTIONS[m.kind]!('')}/${m.metadata.name}`,
        });
        return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
          ? true
          : undefined;
      });
  }
  return agentPod(client, options.node.name, new Set(before.items.map((p) => p.metadata.uid)));
}

type PodList = {
  items: {
    metadata: { name: string; uid: string; deletionTimestamp?: string };
    spec: { nodeName?: string };
    status?: { phase?: string; containerStatuses?: { ready: boolean; containerID?: string }[] };
  }[];
};

function agentPods(client: KubeClient): Promise<PodList> {
  return client.json<PodList>({
    path: `/api/v1/namespaces/${AGENT_NAMESPACE}/pods`,
    query: { labelSelector: 'app.kubernetes.io/name=lifeboat-agent' },
  });
}

/** The running, ready agent pod of a node (not one of `older`). */
export function agentPod(
  client: KubeClient,
  nodeName: string,
  older: Set<string> = new Set(),
  timeoutMs = 120_000,
): Promise<AgentPod> {
  return eventually(
    `lifeboat agent pod Running on ${nodeName}`,
    async () => {
      const list = await agentPods(client);
      const pod = list.items.find(
        (p) =>
          p.spec.nodeName === nodeName &&
          !older.has(p.metadata.uid) &&
          p.metadata.deletionTimestamp === undefined &&
          p.status?.phase === 'Running' &&
          p.status.containerStatuses?.[0]?.ready === true,
      );
      const id = pod?.status?.containerStatuses?.[0]?.containerID?.replace(/^containerd:\/\//, '');
      return pod === undefined || id === undefined
        ? undefined
        : { name: pod.metadata.name, uid: pod.metadata.uid, containerId: id };
    },
    { timeoutMs, intervalMs: 300 },
  );
}

/** The PID of a container's main process on the node (its containerd task). */
export async function taskPid(node: NodeEnv, containerId: string): Promise<number> {
  const { stdout } = await run('/usr/bin/ctr', ['-a', node.containerdSocket, '-n', 'k8s.io', 'tasks', 'ls']);
  const line = stdout.split('\n').find((l) => l.startsWith(containerId));
  const pid = line?.trim().split(/\s+/)[1];
  if (pid === undefined || !/^\d+$/.test(pid)) throw new Error(`no task for container ${containerId}`);
  return Number(pid);
}

/** Kills the agent container's process with SIGKILL, as an OOM kill or a node failure would. */
export async function killAgent(node: NodeEnv, containerId: string): Promise<void> {
  process.kill(await taskPid(node, containerId), 'SIGKILL');
}

/** Resident set of the agent's process now and at its peak (kB), from /proc of the node's containerd task. */
export async function agentMemory(
  node: NodeEnv,
  containerId: string,
): Promise<{ rssKb: number; peakKb: number }> {
  const status = await readFile(`/proc/${await taskPid(node, containerId)}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKb: kb('VmRSS'), peakKb: kb('VmHWM') };
}
