import type { ResultMessage } from './collector.ts';

/** An item's message in the form Velero's backup log hook writes it. */
export interface ItemMessage {
  /** Namespace of the item, if any: the message goes under namespaces[ns]. */
  namespace?: string | undefined;
  /** For cluster-scoped items: the message goes under `cluster`; otherwise under `velero`. */
  cluster?: boolean;
  resource?: string;
  name?: string;
  message: string;
  error?: string;
}

/** The message filed under the item's namespace, else `cluster` for a cluster-scoped item, else `velero`. */
export function itemMessage(e: ItemMessage): ResultMessage {
  const text = formatItemMessage(e);
  if (e.namespace !== undefined && e.namespace !== '') return { scope: { namespace: e.namespace }, text };
  return { scope: e.cluster === true ? 'cluster' : 'velero', text };
}

/** Velero's message form: " resource: /<r> name: /<n> message: /<m> error: /<e>", parts only when present. */
export function formatItemMessage(e: ItemMessage): string {
  let out = '';
  if (e.resource !== undefined) out += ` resource: /${e.resource}`;
  if (e.name !== undefined) out += ` name: /${e.name}`;
  out += ` message: /${e.message}`;
  if (e.error !== undefined) out += ` error: /${e.error}`;
  return out;
}
