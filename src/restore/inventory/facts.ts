import { child, records, str } from '../../actions/index.ts';
import { type KubeObject, nullObject } from '../../model/index.ts';
import type { PreparedItem } from '../apply/index.ts';
import type { CrdFacts, ItemFacts } from '../plan/index.ts';

const NO_LABELS: Record<string, string> = Object.freeze(nullObject<string>());
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
    labels: keepLabels ? nullObject(item.metadata.labels) : NO_LABELS,
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
 * Checks that an item file says what its path says (name, namespace, scope, API group, and the
 * version when the archive has version directories for the resource): a mismatch means a corrupt
 * or forged archive. Returns the problem, or undefined.
 */
export function pathMismatch(
  item: KubeObject,
  expected: { groupResource: string; namespace?: string | undefined; name: string },
  versionDirs: readonly string[] = [],
): string | undefined {
  if (expected.name === '.' || expected.name === '..') {
    return `is named ${JSON.stringify(expected.name)}, which is no object's name (it is a relative path in a URL)`;
  }
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
  const { group, version } = splitApiVersion(item.apiVersion);
  const dirGroup = groupOf(expected.groupResource);
  if (group !== dirGroup) {
    return `holds ${item.apiVersion} ${item.kind} (API group ${JSON.stringify(group)}), but its directory ${expected.groupResource} is of API group ${JSON.stringify(dirGroup)}`;
  }
  const versions = versionDirs.map((d) => d.replace(/-preferredversion$/, ''));
  if (
    versions.length > 0 &&
    !versions.includes(version) &&
    !crdRemapped(expected.groupResource, version, versions)
  ) {
    return `holds version ${JSON.stringify(version)}, but the archive has ${expected.groupResource} only in version directories ${versionDirs.map((d) => JSON.stringify(d)).join(', ')}`;
  }
  return undefined;
}

/** Velero's crd-remap-version action stores a v1 CRD as v1beta1 under the v1 directories. */
function crdRemapped(groupResource: string, version: string, versions: readonly string[]): boolean {
  return (
    groupResource === 'customresourcedefinitions.apiextensions.k8s.io' &&
    version === 'v1beta1' &&
    versions.includes('v1')
  );
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash === -1
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** `deployments.apps` → `apps`; `pods` → `` (a resource name has no dot; the group follows the first one). */
function groupOf(groupResource: string): string {
  const dot = groupResource.indexOf('.');
  return dot === -1 ? '' : groupResource.slice(dot + 1);
}
