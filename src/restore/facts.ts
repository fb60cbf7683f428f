import { child, records, str } from '../actions/restore-action.ts';
import type { KubeObject } from '../model/kube-object.ts';
import type { CrdFacts, ItemFacts } from './plan-types.ts';
import type { PreparedItem } from './prepare.ts';

const NO_LABELS: Record<string, string> = Object.freeze({});
const NO_ITEMS: ItemFacts['additionalItems'] = Object.freeze([]);

/** One string per distinct apiVersion and kind across the facts of a backup (not one per item). */
const interned = new Map<string, string>();
function intern(s: string): string {
  let kept = interned.get(s);
  if (kept === undefined) interned.set(s, (kept = s));
  return kept;
}

/**
 * The facts the plan needs of one item, from the backed-up object and its prepared form. Without
 * `keepLabels` (no label selector to match) the labels are left out, keeping the facts small.
 */
export function itemFacts(
  item: KubeObject,
  location: { groupResource: string; namespace?: string | undefined; name: string; path: string },
  prepared: PreparedItem,
  keepLabels = true,
): ItemFacts {
  const facts: ItemFacts = {
    groupResource: location.groupResource,
    name: location.name, // the catalog's string, equal to metadata.name (pathMismatch checks it)
    path: location.path,
    apiVersion: intern(item.apiVersion),
    kind: intern(item.kind),
    labels: keepLabels ? { ...item.metadata.labels } : NO_LABELS,
    additionalItems: prepared.additionalItems.length > 0 ? prepared.additionalItems : NO_ITEMS,
    restoreStatus: prepared.status !== undefined,
  };
  if (location.namespace !== undefined) facts.namespace = location.namespace;
  if (prepared.skip) facts.skip = prepared.skip;
  if (location.groupResource === 'persistentvolumeclaims' || location.groupResource === 'persistentvolumes') {
    const sc = str(child(prepared.object, 'spec'), 'storageClassName');
    if (sc) facts.storageClass = sc;
  }
  if (location.groupResource === 'customresourcedefinitions.apiextensions.k8s.io') {
    const crd = crdFacts(item);
    if (crd) facts.crd = crd;
  }
  return facts;
}

/** What a CRD makes the API server serve (v1 and v1beta1 CRDs). */
export function crdFacts(crd: KubeObject): CrdFacts | undefined {
  const spec = child(crd, 'spec');
  const group = str(spec, 'group');
  const names = child(spec, 'names');
  const plural = str(names, 'plural');
  if (!group || !plural) return undefined;
  const versions = records(spec, 'versions')
    .filter((v) => v['served'] !== false)
    .map((v) => str(v, 'name'))
    .filter((v): v is string => v !== undefined);
  const single = str(spec, 'version');
  if (single && !versions.includes(single)) versions.push(single);
  return {
    groupResource: `${plural}.${group}`,
    group,
    kind: str(names, 'kind') ?? '',
    versions,
    namespaced: str(spec, 'scope') !== 'Cluster',
  };
}

/**
 * Checks that an item file says what its path says (name, namespace, scope): a mismatch means a
 * corrupt or forged archive. Returns the problem, or undefined.
 */
export function pathMismatch(
  item: KubeObject,
  expected: { namespace?: string | undefined; name: string },
): string | undefined {
  if (item.metadata.name !== expected.name) {
    return `holds an object named ${JSON.stringify(item.metadata.name)}, not ${JSON.stringify(expected.name)}`;
  }
  const ns = item.metadata.namespace ?? '';
  if (expected.namespace === undefined && ns !== '') {
    return `is at a cluster-scoped path but holds an object of namespace ${JSON.stringify(ns)}`;
  }
  if (expected.namespace !== undefined && ns !== expected.namespace) {
    return `is in namespace directory ${JSON.stringify(expected.namespace)} but holds an object of namespace ${JSON.stringify(ns)}`;
  }
  return undefined;
}
