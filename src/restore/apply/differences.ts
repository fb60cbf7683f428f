import { type KubeObject, nullObject, own, VeleroLabels } from '../../model/index.ts';
import { ownValue } from '../own.ts';

/**
 * Whether the object in the cluster is "the same as the backed-up version": every field of the
 * desired object (after reset, actions and mappings) has the same value in the cluster object.
 * Fields only the cluster has are the API server's defaults and assignments (clusterIP, nodePort,
 * uid, status, …) and do not count; nor do the restore labels or managedFields.
 */
export function differences(desired: KubeObject, inCluster: KubeObject, limit = 5): string[] {
  const out: string[] = [];
  const want = withoutIgnored(desired);
  const have = withoutIgnored(inCluster);
  diff(want, have, '', out, limit);
  return out;
}

export function isSameAsBackup(desired: KubeObject, inCluster: KubeObject): boolean {
  return differences(desired, inCluster, 1).length === 0;
}

function withoutIgnored(object: KubeObject): Record<string, unknown> {
  const labels = nullObject(object.metadata.labels);
  delete labels[VeleroLabels.backupName];
  delete labels[VeleroLabels.restoreName];
  const metadata = nullObject<unknown>(object.metadata);
  metadata['labels'] = labels;
  delete metadata['managedFields'];
  const out = nullObject<unknown>(object);
  delete out['status'];
  out['metadata'] = metadata;
  return out;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isPlain(value)) {
    return Object.keys(value).length === 0;
  }
  return false;
}

function isPlain(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function diff(want: unknown, have: unknown, path: string, out: string[], limit: number): void {
  if (out.length >= limit) return;
  if (isEmpty(want)) return; // an empty value is what the server omits or defaults
  if (isPlain(want)) {
    if (!isPlain(have)) {
      out.push(`${path || '.'}: missing in the cluster`);
      return;
    }
    for (const [key, value] of Object.entries(want))
      diff(value, ownValue(have, key), `${path}.${key}`, out, limit);
    return;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(have) || have.length !== want.length) {
      out.push(
        `${path}: ${want.length} entries in the backup, ${Array.isArray(have) ? have.length : 0} in the cluster`,
      );
      return;
    }
    want.forEach((value, i) => diff(value, have[i], `${path}[${i}]`, out, limit));
    return;
  }
  if (String(want) !== String(have)) out.push(`${path}: differs`);
}

/**
 * A JSON merge patch that makes the cluster object match the desired one in every field the
 * desired object sets (arrays replaced whole), leaving fields the cluster added alone.
 * Undefined when nothing needs to change.
 */
export function mergePatchTowards(desired: unknown, inCluster: unknown): unknown {
  if (isPlain(desired)) {
    const have = isPlain(inCluster) ? inCluster : undefined;
    const patch = nullObject<unknown>();
    for (const [key, value] of Object.entries(desired)) {
      if (key === 'status' || key === 'managedFields') continue;
      const sub = mergePatchTowards(value, own(have, key));
      if (sub !== undefined) patch[key] = sub;
    }
    return Object.keys(patch).length > 0 ? patch : undefined;
  }
  if (isEmpty(desired)) return undefined;
  const probe: string[] = [];
  diff(desired, inCluster, '', probe, 1);
  return probe.length > 0 ? desired : undefined;
}
