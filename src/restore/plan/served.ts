import type { ApiResource } from '../../kube/index.ts';
import type { CrdFacts, ItemFacts } from './plan-types.ts';

/**
 * What the target (or a CRD in the backup) says of an item's resource: the kind it holds and its
 * scope must be those of the item and its path. Undefined when they agree or nothing is known.
 */
export function servedMismatch(
  f: Pick<ItemFacts, 'groupResource' | 'namespace' | 'kind' | 'path'>,
  served: readonly ApiResource[],
  crds: readonly CrdFacts[],
): string | undefined {
  const target = served.find((r) => r.groupResource === f.groupResource);
  const crd = crds.find((c) => c.groupResource === f.groupResource);
  const known = target ?? crd;
  if (known === undefined) return undefined;
  const where = target ? 'the target' : 'the CRD in the backup';
  if (known.kind !== '' && known.kind !== f.kind) {
    return `backup item ${JSON.stringify(f.path)} holds kind ${JSON.stringify(f.kind)}, but ${f.groupResource} holds ${JSON.stringify(known.kind)} objects (per ${where})`;
  }
  if (known.namespaced !== (f.namespace !== undefined)) {
    const [path, scope] = known.namespaced
      ? ['a cluster-scoped path', 'namespaced']
      : ['a namespace directory', 'cluster-scoped'];
    return `backup item ${JSON.stringify(f.path)} is under ${path}, but ${f.groupResource} is ${scope} (per ${where})`;
  }
  return undefined;
}
