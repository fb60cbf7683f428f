import { createHash } from 'node:crypto';
/**
 * Labels and annotations lifeboat and Velero put on a Backup themselves. Their values steer
 * retention, GC and restores (which backups belong to which schedule, location and cluster), so a
 * user never sets them: `backup create --labels`, the API's template and schedule templates refuse them.
 */

/** lifeboat's own prefix for labels and annotations. */
export const LIFEBOAT_LABEL_PREFIX = 'lifeboat.io';

export const LifeboatLabels = {
  /**
   * The source cluster's identity: the UID of its kube-system namespace (it never changes while the
   * cluster lives, and a rebuilt cluster gets a new one). Also written as an annotation of the same key.
   */
  clusterUid: 'lifeboat.io/cluster-uid',
} as const;

/** Label key prefixes no user-given label may use: Velero's and lifeboat's (and their subdomains). */
const RESERVED_PREFIXES = ['velero.io', LIFEBOAT_LABEL_PREFIX] as const;

/**
 * Why a label key is reserved, or undefined when a user may set it. Velero sets
 * `velero.io/schedule-name`, `velero.io/storage-location`, `velero.io/source-cluster-k8s-*`, … and
 * reads them back; lifeboat sets `lifeboat.io/cluster-uid`. Compared without regard to case, so
 * `Velero.IO/schedule-name` is refused too.
 */
export function reservedLabelReason(key: string): string | undefined {
  const slash = key.indexOf('/');
  if (slash < 0) return undefined;
  const prefix = key.slice(0, slash).toLowerCase();
  const owner = RESERVED_PREFIXES.find((p) => prefix === p || prefix.endsWith(`.${p}`));
  if (owner === undefined) return undefined;
  const who = owner === LIFEBOAT_LABEL_PREFIX ? 'lifeboat' : 'Velero';
  return `labels under ${owner}/ are set by ${who} itself (schedule, location, source cluster) and steer retention and GC`;
}

/** The first reserved key of a label map with why, or undefined when every key is free. */
export function firstReservedLabel(
  labels: Readonly<Record<string, string>> | undefined,
): { key: string; reason: string } | undefined {
  for (const key of Object.keys(labels ?? {})) {
    const reason = reservedLabelReason(key);
    if (reason !== undefined) return { key, reason };
  }
  return undefined;
}

/**
 * Velero's GetValidName for label values: names over 63 characters become their first 57 characters
 * plus the first 6 hex digits of their sha256.
 */
export function getValidLabelValue(value: string): string {
  // Location names are Kubernetes names (ASCII), so characters are bytes here as in Go.
  if (value.length <= 63) return value;
  const sha = createHash('sha256').update(value).digest('hex');
  return value.slice(0, 57) + sha.slice(0, 6);
}
