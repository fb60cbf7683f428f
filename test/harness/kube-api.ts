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
