import { getOrUndefined, KubeApiError, type KubeClient } from '../../kube/index.ts';
import { LifeboatError } from '../../errors/index.ts';
import type { KubeObject } from '../../model/index.ts';

export function isAlreadyExists(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 409 && err.reason === 'AlreadyExists';
}

/**
 * A create refused by an admission plugin that looks its references up in the API server's own
 * informer cache, for an object this restore has only just created: the Priority plugin answers
 * "no PriorityClass with name X was found" until its cache has seen the class (the restore creates
 * PriorityClasses before pods, but the cache can lag it by a moment), and the ServiceAccount plugin
 * does the same for a pod's service account. Retried a few times before it counts as a failure.
 */
export function isAdmissionCacheLag(err: unknown): boolean {
  if (!(err instanceof KubeApiError) || err.status !== 403) return false;
  const message = err.message;
  return (
    (message.includes('no PriorityClass with name') && message.includes('was found')) ||
    (message.includes('error looking up service account') && message.includes('not found'))
  );
}

/** The API server's message of a failed call (never the request body), and what the operator can do. */
export function describeFailure(err: unknown): { message: string; hint?: string } {
  const message = err instanceof Error ? err.message : String(err);
  if (!(err instanceof KubeApiError)) {
    return err instanceof LifeboatError && err.hint ? { message, hint: err.hint } : { message };
  }
  if (/admission webhook/i.test(message)) {
    return {
      message,
      hint: 'an admission webhook in the target denied it: check the webhook and its service',
    };
  }
  if (/immutable/i.test(message)) {
    return {
      message,
      hint: 'an immutable field differs from the object in the target: delete it there and restore again',
    };
  }
  if (err.status === 422) {
    return {
      message,
      hint: 'the target API server rejected the object as invalid (version skew or a missing dependency)',
    };
  }
  if (err.status === 404) {
    return {
      message,
      hint: 'the target does not serve this API or the namespace is gone: install the CRD or API first',
    };
  }
  if (err.status === 403) {
    return {
      message,
      hint: err.hint ?? 'the identity in the kubeconfig may not create this object, or a policy forbids it',
    };
  }
  return err.hint ? { message, hint: err.hint } : { message };
}

/** Polls a CRD until Established and NamesAccepted are True (Velero's crdAvailable). */
export async function waitForCrd(
  client: KubeClient,
  name: string,
  options: { timeoutMs?: number; intervalMs?: number; signal?: AbortSignal } = {},
): Promise<boolean> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(name)}`;
  while (Date.now() < deadline && !options.signal?.aborted) {
    const crd = await getOrUndefined<KubeObject>(client, { path });
    const conditions =
      (crd?.['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
    const isTrue = (type: string) => conditions.some((c) => c.type === type && c.status === 'True');
    if (isTrue('Established') && isTrue('NamesAccepted')) return true;
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 200));
  }
  return false;
}
