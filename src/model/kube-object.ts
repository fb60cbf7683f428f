/** A Kubernetes API object as lifeboat stores and restores it: any kind, with the fields every kind has. */
export interface KubeObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeObjectMeta;
  [field: string]: unknown;
}

/** True when value has non-empty string apiVersion, kind and metadata.name (namespace a string if set). */
export function isKubeObject(value: unknown): value is KubeObject {
  if (!isRecord(value)) return false;
  const { apiVersion, kind, metadata } = value;
  if (typeof apiVersion !== 'string' || apiVersion === '') return false;
  if (typeof kind !== 'string' || kind === '') return false;
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || metadata.name === '') return false;
  return metadata.namespace === undefined || typeof metadata.namespace === 'string';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
