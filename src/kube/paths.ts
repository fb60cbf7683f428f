/** The REST path of a resource's collection (or one object) for an apiVersion and namespace. */
export function objectPath(
  groupResource: string,
  apiVersion: string,
  namespace: string | undefined,
  name?: string,
): string {
  const dot = groupResource.indexOf('.');
  const resource = dot === -1 ? groupResource : groupResource.slice(0, dot);
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${resource}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}
