/**
 * Hash routes: every object has a deep link (`#/backups/NAME`, `#/backups/NAME/contents?ns=…`, a
 * fleet cluster's backup at `#/clusters/CLUSTER/backups/NAME[/contents]`, `#/restores/NAME`, a fleet
 * cluster's restore at `#/clusters/CLUSTER/restores/NAME`, `#/drills/NAME`). Parsing is pure, so it is tested without a browser.
 */

export type Route =
  | { page: 'fleet' }
  | { page: 'backups'; filters: URLSearchParams }
  | { page: 'backup'; name: string; cluster?: string }
  | { page: 'contents'; name: string; cluster?: string; params: URLSearchParams }
  | { page: 'restores' }
  | { page: 'restore-new'; params: URLSearchParams }
  | { page: 'restore'; name: string; cluster?: string; params: URLSearchParams }
  | { page: 'schedules' }
  | { page: 'locations' }
  | { page: 'drills' }
  | { page: 'drill'; name: string }
  | { page: 'not-found'; path: string };

/** What the page of one object (a backup's contents, a restore) takes from its route. */
export interface ObjectRoute {
  name: string;
  /** A fleet cluster's object; undefined for the server's own. */
  cluster?: string | undefined;
  params: URLSearchParams;
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The route of a location hash (`#/backups/x?y=z`); anything unknown is `not-found`. */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const parts = path.split('/').filter((p) => p !== '');
  const names = parts.map(decode);
  if (names.some((n) => n === undefined)) return { page: 'not-found', path };
  const [first, second, third, fourth, fifth] = names as string[];
  if (parts.length === 0 || (first === 'fleet' && parts.length === 1)) return { page: 'fleet' };
  if (first === 'backups') {
    if (second === undefined) return { page: 'backups', filters: params };
    if (third === undefined && parts.length === 2) return { page: 'backup', name: second };
    if (third === 'contents' && parts.length === 3) return { page: 'contents', name: second, params };
  }
  if (first === 'clusters' && second !== undefined && third === 'restores' && fourth !== undefined)
    return parts.length === 4
      ? { page: 'restore', name: fourth, cluster: second, params }
      : { page: 'not-found', path };
  if (first === 'clusters' && second !== undefined && third === 'backups' && fourth !== undefined) {
    if (parts.length === 4) return { page: 'backup', name: fourth, cluster: second };
    if (fifth === 'contents' && parts.length === 5)
      return { page: 'contents', name: fourth, cluster: second, params };
  }
  if (first === 'restores') {
    if (second === undefined) return { page: 'restores' };
    if (second === 'new' && parts.length === 2) return { page: 'restore-new', params };
    if (parts.length === 2) return { page: 'restore', name: second, params };
  }
  if (first === 'drills') {
    if (second === undefined) return { page: 'drills' };
    if (parts.length === 2) return { page: 'drill', name: second };
  }
  if (parts.length === 1 && (first === 'schedules' || first === 'locations')) return { page: first };
  return { page: 'not-found', path };
}

/** `#/a/b?k=v` from segments (each encoded) and query parameters (empty values left out). */
export function href(
  segments: readonly string[],
  query: Readonly<Record<string, string | undefined>> = {},
): string {
  const path = segments.map(encodeURIComponent).join('/');
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, v);
  const qs = params.toString();
  return `#/${path}${qs === '' ? '' : `?${qs}`}`;
}

/** A backup's segments in the dashboard: the server's own under `backups`, a fleet cluster's under its cluster. */
export function backupSegments(name: string, cluster: string | undefined): string[] {
  return cluster === undefined ? ['backups', name] : ['clusters', cluster, 'backups', name];
}

/** The API path of a backup (the server's own, or a fleet cluster's), each segment encoded. */
export function backupApi(name: string, cluster: string | undefined): string {
  return `/api/v1/${backupSegments(name, cluster).map(encodeURIComponent).join('/')}`;
}

/** A restore's segments: the server's own under `restores`, a fleet cluster's under its cluster. */
export function restoreSegments(name: string, cluster: string | undefined): string[] {
  return cluster === undefined ? ['restores', name] : ['clusters', cluster, 'restores', name];
}

/** The API path of a restore (the server's own, or a fleet cluster's), each segment encoded. */
export function restoreApi(name: string, cluster: string | undefined): string {
  return `/api/v1/${restoreSegments(name, cluster).map(encodeURIComponent).join('/')}`;
}
