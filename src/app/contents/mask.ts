import { type KubeObject, nullObject } from '../../model/index.ts';

/** What replaces every value of a Secret: the key stays visible, the value never leaves the server. */
export const MASK = '••••••••';

/** The annotation kubectl apply leaves on an object: for a Secret it holds the data in clear. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function maskValues(v: unknown): unknown {
  if (!isRecord(v)) return MASK;
  return nullObject(Object.keys(v).map((k): [string, string] => [k, MASK]));
}

/**
 * A copy of the item to show: a Secret (stored under `secrets`, or of kind Secret whatever its
 * path says) keeps its keys but every value of `data` and `stringData` is masked, and so is the
 * last-applied-configuration annotation, which repeats them. Other kinds are returned as they are.
 */
export function maskItem(item: KubeObject, groupResource: string): KubeObject {
  if (item.kind !== 'Secret' && groupResource !== 'secrets') return item;
  const copy = nullObject<unknown>(item);
  for (const field of ['data', 'stringData'])
    if (Object.hasOwn(copy, field)) copy[field] = maskValues(copy[field]);
  const metadata = isRecord(copy['metadata']) ? nullObject<unknown>(copy['metadata']) : undefined;
  const annotations = metadata?.['annotations'];
  if (metadata !== undefined && isRecord(annotations) && Object.hasOwn(annotations, LAST_APPLIED)) {
    metadata['annotations'] = nullObject({ ...annotations, [LAST_APPLIED]: MASK });
    copy['metadata'] = metadata;
  }
  return copy as unknown as KubeObject;
}
