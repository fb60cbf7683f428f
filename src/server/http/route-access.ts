import type { ApiAttributes } from '../kube-auth.ts';

/**
 * Who may call a route, declared on the route itself (`config: { access }`), so the decision
 * follows what the router matched, never the raw URL:
 * - `public`: anyone (the probes; /metrics with --metrics-public; the dashboard's static files);
 * - `authenticated`: any caller whose credentials are valid, whatever RBAC grants (what the caller
 *   may do: /api/v1/access);
 * - `{ resource }`: an API resource of lifeboat.io — the verb follows the method (GET of a
 *   collection is `list`, of one item `get`; POST is `create`), the name is the route's decoded
 *   `:name` parameter;
 *   `:name` parameter; `subresource` names an action on the item (`backups/verify`), and `verb`
 *   replaces the method's when a POST only reads (a report ticket is `get drills NAME`);
 * - `{ path }`: a non-resource URL (/metrics), the verb `get`.
 * A route without one cannot be registered.
 */
export type RouteAccess =
  'public' | 'authenticated' | { resource: string; subresource?: string; verb?: string } | { path: string };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

const VERBS: ReadonlyMap<string, string> = new Map([
  ['POST', 'create'],
  ['PUT', 'update'],
  ['PATCH', 'patch'],
  ['DELETE', 'delete'],
]);

/** The RBAC attributes of a request to a route with `access` (not 'public'), from its decoded params. */
export function routeAttributes(
  method: string,
  access: Exclude<RouteAccess, 'public' | 'authenticated'>,
  params: unknown,
): ApiAttributes {
  const m = method.toUpperCase();
  if ('path' in access)
    return { verb: m === 'GET' || m === 'HEAD' ? 'get' : m.toLowerCase(), path: access.path };
  const name = nameParam(params);
  const verb =
    access.verb ?? (m === 'GET' || m === 'HEAD' ? (name === undefined ? 'list' : 'get') : VERBS.get(m));
  // An unknown method cannot reach a route (the router has none for it); never invent a verb.
  const attributes = { verb: verb ?? 'unknown', resource: access.resource, name };
  return access.subresource === undefined ? attributes : { ...attributes, subresource: access.subresource };
}

function nameParam(params: unknown): string | undefined {
  if (typeof params !== 'object' || params === null || !Object.hasOwn(params, 'name')) return undefined;
  const name = (params as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

/** A route's options declaring who may call it. */
export const access = (a: RouteAccess) => ({ config: { access: a } });
export const PUBLIC = access('public');
/** Valid credentials only: no access review of a resource. */
export const AUTHENTICATED = access('authenticated');
/** An API resource of lifeboat.io (RBAC in --auth kubernetes mode). */
export const on = (resource: string, more: { subresource?: string; verb?: string } = {}) =>
  access({ resource, ...more });
