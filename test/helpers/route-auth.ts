import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/**
 * The route-auth table: spellings of the API's paths that a router might match while a check on the
 * raw URL would not (and the reverse). Every one must be refused without credentials.
 * - `ambiguous`: the server refuses the path itself (400), whoever asks;
 * - `route`: it names a real route (after decoding): 401 without credentials, served with them;
 * - `unknown`: no route: 401 without credentials, 404 with them.
 */
export type CaseKind = 'ambiguous' | 'route' | 'unknown';

export interface RouteCase {
  method: string;
  /** The request target exactly as sent on the wire (no normalisation). */
  path: string;
  kind: CaseKind;
  family: string;
  /** The route it stands for, when it stands for one (for the RBAC checks). */
  means?: { resource: string; verb: string };
}

interface Target {
  method: 'GET' | 'POST';
  path: string;
  resource: string;
  verb: string;
}

const TARGETS: Target[] = [
  { method: 'GET', path: '/api/v1/backups', resource: 'backups', verb: 'list' },
  { method: 'GET', path: '/api/v1/locations', resource: 'locations', verb: 'list' },
  { method: 'GET', path: '/api/v1/server', resource: 'server', verb: 'list' },
  { method: 'GET', path: '/api/v1/backups/some-backup', resource: 'backups', verb: 'get' },
  { method: 'GET', path: '/api/v1/drills', resource: 'drills', verb: 'list' },
  {
    method: 'GET',
    path: '/api/v1/clusters/some-cluster/restores/some-restore',
    resource: 'restores',
    verb: 'get',
  },
  { method: 'POST', path: '/api/v1/restores', resource: 'restores', verb: 'create' },
  { method: 'POST', path: '/api/v1/backups', resource: 'backups', verb: 'create' },
];

/** Percent-encodes the n-th letter of the path (counting letters only). */
function encodeLetter(path: string, n: number): string {
  let seen = -1;
  return path.replace(/[a-z]/g, (c) => (++seen === n ? `%${c.charCodeAt(0).toString(16)}` : c));
}

function variants(t: Target): Omit<RouteCase, 'method'>[] {
  const p = t.path;
  const rest = p.slice('/api'.length); // /v1/...
  const means = { resource: t.resource, verb: t.verb };
  const route = (path: string, family: string) => ({ path, kind: 'route' as const, family, means });
  const ambiguous = (path: string, family: string) => ({ path, kind: 'ambiguous' as const, family });
  const unknown = (path: string, family: string) => ({ path, kind: 'unknown' as const, family });
  return [
    route(p, 'plain'),
    route(encodeLetter(p, 0), 'percent-encoded letter'),
    route(encodeLetter(p, 2), 'percent-encoded letter'),
    route(encodeLetter(p, 5), 'percent-encoded letter'),
    route(
      p.replace(/[a-z]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
      'all encoded',
    ),
    ambiguous(p.replaceAll('/', '%2F').replace(/^%2F/, '/'), 'encoded slash'),
    ambiguous(`/api%2f${rest.slice(1)}`, 'encoded slash'),
    ambiguous(`/api%5C${rest.slice(1)}`, 'encoded backslash'),
    ambiguous(`/api\\${rest.slice(1)}`, 'backslash'),
    ambiguous(`/${p}`, 'double slash'),
    ambiguous(`/api/${rest}`, 'double slash'),
    ambiguous(`/.${p}`, 'dot segment'),
    ambiguous(`/api/.${rest}`, 'dot segment'),
    ambiguous(`/%2e${p}`, 'encoded dot segment'),
    ambiguous(`/api/..${p}`, 'dot-dot segment'),
    ambiguous(`/x/..${p}`, 'dot-dot segment'),
    ambiguous(`/api/%2E%2E${p}`, 'encoded dot-dot segment'),
    ambiguous(`${p}/`, 'trailing slash'),
    ambiguous(`${p}/.`, 'trailing dot'),
    ambiguous(`${p};x=1`, 'semicolon parameter'),
    ambiguous(`/api;v=1${rest}`, 'semicolon parameter'),
    ambiguous(`${p}%3Bx`, 'encoded semicolon'),
    ambiguous(`${p}%00`, 'NUL'),
    ambiguous(`http://evil.example${p}`, 'absolute form'),
    unknown(`/API${rest}`, 'upper case'),
    unknown(p.toUpperCase(), 'upper case'),
    unknown(`/Api${rest}`, 'mixed case'),
    unknown(`/api/v2${rest.slice(3)}`, 'unknown version'),
  ];
}

/** The whole table: each variant with its own method, HEAD for the GET ones, OPTIONS for all. */
export function routeAuthTable(): RouteCase[] {
  const out: RouteCase[] = [];
  for (const t of TARGETS)
    for (const v of variants(t)) {
      out.push({ method: t.method, ...v });
      if (t.method === 'GET') out.push({ method: 'HEAD', ...v, family: `${v.family} (HEAD)` });
      out.push({
        method: 'OPTIONS',
        path: v.path,
        kind: v.kind === 'ambiguous' ? 'ambiguous' : 'unknown',
        family: `${v.family} (OPTIONS)`,
      });
    }
  for (const path of ['/', '/nope', '/api', '/api/v1', '/api/v1/secrets', '/api/v1/restores/x/y', '/.env'])
    for (const method of ['GET', 'POST', 'HEAD', 'OPTIONS', 'DELETE', 'PUT']) {
      // GET and HEAD of / are the dashboard's page, public like its assets (web-routes.ts); its data is the API's.
      if (path === '/' && (method === 'GET' || method === 'HEAD')) continue;
      out.push({ method, path, kind: 'unknown', family: 'unknown route' });
    }
  // /metrics is closed unless the server is told otherwise; its spellings too.
  for (const path of ['/metrics', '/%6detrics', '/metric%73'])
    out.push({ method: 'GET', path, kind: 'route', family: 'metrics', means: { resource: '', verb: 'get' } });
  out.push({ method: 'GET', path: '/metrics/', kind: 'ambiguous', family: 'metrics' });
  out.push({ method: 'GET', path: '//metrics', kind: 'ambiguous', family: 'metrics' });
  return out;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * One HTTP request with the request target exactly as given (fetch and URL would normalise
 * `/./`, `/../` and the like away before sending).
 */
export function rawRequest(
  base: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port,
        method,
        path,
        headers: {
          ...(options.body === undefined
            ? {}
            : {
                'content-type': 'application/json',
                'content-length': String(Buffer.byteLength(options.body)),
              }),
          ...options.headers,
        },
        agent,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The `error` field of a JSON answer, if any (HEAD answers have no body). */
export function errorCode(r: RawResponse): string | undefined {
  try {
    const body = JSON.parse(r.text) as { error?: unknown };
    return typeof body.error === 'string' ? body.error : undefined;
  } catch {
    return undefined;
  }
}
