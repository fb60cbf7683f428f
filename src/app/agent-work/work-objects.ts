import { LifeboatError } from '../../errors/index.ts';
import { KubeApiError, type KubeClient } from '../../kube/index.ts';
import { POD_VOLUME_API_VERSION } from '../../model/index.ts';

/** The REST path of lifeboat's pod volume work objects (lifeboat.io/v1alpha1) in a namespace. */
export function workPath(namespace: string, resource: string, name?: string, status = false): string {
  const base = `/apis/${POD_VOLUME_API_VERSION}/namespaces/${encodeURIComponent(namespace)}/${resource}`;
  if (name === undefined) return base;
  return `${base}/${encodeURIComponent(name)}${status ? '/status' : ''}`;
}

/** The objects of one work resource in the namespace, unparsed (each is checked by its worker). */
export async function listWork(
  client: KubeClient,
  namespace: string,
  resource: string,
  labelSelector?: string,
): Promise<unknown[]> {
  const list = await client.json<{ items?: unknown }>({
    path: workPath(namespace, resource),
    query: { labelSelector },
    retries: 2,
  });
  return Array.isArray(list.items) ? (list.items as unknown[]) : [];
}

/**
 * Takes an object for this agent: its status replaced with `status` under the object's own
 * resourceVersion, so of two agents racing for it exactly one wins. Returns false when another
 * writer changed it first (a conflict) or it is gone.
 */
export async function claimWork(
  client: KubeClient,
  namespace: string,
  resource: string,
  object: { metadata: { name?: string | undefined; resourceVersion?: string | undefined } },
  status: Record<string, unknown>,
): Promise<boolean> {
  const name = object.metadata.name;
  if (name === undefined || object.metadata.resourceVersion === undefined) return false;
  try {
    await client.json({
      method: 'PUT',
      path: workPath(namespace, resource, name, true),
      body: { ...object, status },
      retries: 2,
    });
    return true;
  } catch (err) {
    if (err instanceof KubeApiError && (err.status === 409 || err.status === 404)) return false;
    throw err;
  }
}

/** Merges fields into an object's status (the agent owns the object once it has claimed it). */
export async function patchWorkStatus(
  client: KubeClient,
  namespace: string,
  resource: string,
  name: string,
  status: Record<string, unknown>,
): Promise<void> {
  await client.json({
    method: 'PATCH',
    path: workPath(namespace, resource, name, true),
    contentType: 'application/merge-patch+json',
    body: { status },
    retries: 3,
  });
}

/** One line for a work object's status.message: what failed, and the hint of what to do. */
export function failureMessage(err: unknown): string {
  if (err instanceof LifeboatError) return err.hint ? `${err.message}: ${err.hint}` : err.message;
  return err instanceof Error ? err.message : String(err);
}
