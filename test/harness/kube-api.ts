/**
 * The few API calls the harness makes itself (node readiness, draining a node before teardown),
 * with the admin credentials of a kubeconfig the harness wrote.
 */
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { parse } from 'yaml';
import { z } from 'zod';

const kubeconfigSchema = z.object({
  clusters: z
    .array(
      z.object({
        cluster: z.object({ server: z.string().url(), 'certificate-authority-data': z.string() }),
      }),
    )
    .min(1),
  users: z
    .array(
      z.object({
        user: z.object({ 'client-certificate-data': z.string(), 'client-key-data': z.string() }),
      }),
    )
    .min(1),
});

export interface KubeAccess {
  server: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export async function kubeAccess(kubeconfig: string): Promise<KubeAccess> {
  const parsed = kubeconfigSchema.parse(parse(await readFile(kubeconfig, 'utf8')));
  const [cluster] = parsed.clusters;
  const [user] = parsed.users;
  if (cluster === undefined || user === undefined) throw new Error(`${kubeconfig} has no cluster or user`);
  const b64 = (s: string) => Buffer.from(s, 'base64');
  return {
    server: cluster.cluster.server,
    ca: b64(cluster.cluster['certificate-authority-data']),
    cert: b64(user.user['client-certificate-data']),
    key: b64(user.user['client-key-data']),
  };
}

export interface KubeResponse {
  status: number;
  body: unknown;
}

export function kubeRequest(
  access: KubeAccess,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<KubeResponse> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      `${access.server}${path}`,
      {
        method,
        ca: access.ca,
        cert: access.cert,
        key: access.key,
        timeout: 5000,
        headers: payload === undefined ? {} : { 'content-type': contentType },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.on('error', reject);
    req.end(payload);
  });
}

const nodeSchema = z.object({
  status: z
    .object({ conditions: z.array(z.object({ type: z.string(), status: z.string() })).optional() })
    .optional(),
});

export async function nodeReady(access: KubeAccess, name: string): Promise<boolean> {
  const res = await kubeRequest(access, 'GET', `/api/v1/nodes/${encodeURIComponent(name)}`);
  if (res.status !== 200) return false;
  const node = nodeSchema.parse(res.body);
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

const UNINITIALIZED_TAINT = 'node.cloudprovider.kubernetes.io/uninitialized';
const registeredNodeSchema = z.object({
  metadata: z.object({ resourceVersion: z.string() }),
  spec: z.object({ taints: z.array(z.object({ key: z.string() }).loose()).optional() }).optional(),
});

/**
 * What a cloud controller does for a kubelet started with --cloud-provider=external: sets the
 * node's addresses (InternalIP 127.0.0.1, so the API server dials the kubelet there) and removes the
 * uninitialized taint. False until the kubelet has registered the node (or on a write conflict).
 */
export async function initializeNode(access: KubeAccess, name: string): Promise<boolean> {
  const path = `/api/v1/nodes/${encodeURIComponent(name)}`;
  const res = await kubeRequest(access, 'GET', path);
  if (res.status !== 200) return false;
  const node = registeredNodeSchema.parse(res.body);
  const taints = node.spec?.taints ?? [];
  if (taints.some((t) => t.key === UNINITIALIZED_TAINT)) {
    const untainted = await kubeRequest(
      access,
      'PATCH',
      path,
      {
        metadata: { resourceVersion: node.metadata.resourceVersion },
        spec: { taints: taints.filter((t) => t.key !== UNINITIALIZED_TAINT) },
      },
      'application/merge-patch+json',
    );
    if (untainted.status !== 200) return false;
  }
  const addresses = [
    { type: 'InternalIP', address: '127.0.0.1' },
    { type: 'Hostname', address: name },
  ];
  const patched = await kubeRequest(
    access,
    'PATCH',
    `${path}/status`,
    { status: { addresses } },
    'application/merge-patch+json',
  );
  return patched.status === 200;
}

const podListSchema = z.object({
  items: z.array(z.object({ metadata: z.object({ name: z.string(), namespace: z.string() }) })),
});

/** Marks the node schedulable: a harness restarted on its old state finds it cordoned by `down`. */
export async function uncordonNode(access: KubeAccess, name: string): Promise<void> {
  const res = await kubeRequest(
    access,
    'PATCH',
    `/api/v1/nodes/${encodeURIComponent(name)}`,
    { spec: { unschedulable: false } },
    'application/merge-patch+json',
  );
  if (res.status !== 200) throw new Error(`could not mark node ${name} schedulable (HTTP ${res.status})`);
}

/**
 * Cordons the node and deletes its pods with a one-second grace period, so that its kubelet
 * unmounts their volumes and containerd removes their sandboxes and networks; waits until they are
 * gone or `timeoutMs` passed. Returns the pods still there.
 */
export async function drainNode(access: KubeAccess, name: string, timeoutMs: number): Promise<number> {
  const node = `/api/v1/nodes/${encodeURIComponent(name)}`;
  await kubeRequest(access, 'PATCH', node, { spec: { unschedulable: true } }, 'application/merge-patch+json');
  const list = async () => {
    const res = await kubeRequest(
      access,
      'GET',
      `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${name}`)}`,
    );
    return res.status === 200 ? podListSchema.parse(res.body).items : [];
  };
  const deadline = Date.now() + timeoutMs;
  let pods = await list();
  for (const pod of pods) {
    const { namespace, name: podName } = pod.metadata;
    await kubeRequest(
      access,
      'DELETE',
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(podName)}`,
      {
        gracePeriodSeconds: 1,
      },
    );
  }
  while (pods.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    pods = await list();
  }
  return pods.length;
}
