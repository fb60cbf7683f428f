import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiAuth } from './auth.ts';
import { crossSiteRefusal } from './cross-site.ts';
import { ambiguousPath } from './request-path.ts';
import { routeAttributes } from './route-access.ts';

/**
 * `auth` checks the credentials of every request to a route that is not public. Without it
 * (--insecure-no-auth) requests must be addressed to the listen host or a loopback name.
 */
export type ApiSecurity = { auth: ApiAuth } | { auth: undefined; loopbackListenHost: string };

const ERROR: ReadonlyMap<number, string> = new Map([
  [400, 'BAD_REQUEST'],
  [401, 'UNAUTHENTICATED'],
  [403, 'FORBIDDEN'],
  [404, 'NOT_FOUND'],
  [503, 'UNREACHABLE'],
]);

function refuse(reply: FastifyReply, status: number, message: string, hint?: string): FastifyReply {
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="lifeboat"');
  return reply.code(status).send({ error: ERROR.get(status) ?? 'FORBIDDEN', message, hint });
}

/**
 * The API's one gate, installed before any route: every route declares its access (a route without
 * one cannot be registered); each request is checked on what the router matched — its route and
 * decoded params — never on the raw URL. Ambiguous paths are refused (400) before anything else,
 * cross-site requests next (403); a request that matches no route is authenticated too, then 404.
 */
export function installGuard(app: FastifyInstance, security: ApiSecurity): void {
  app.addHook('onRoute', (route) => {
    if (route.config?.access === undefined)
      throw new Error(`route ${String(route.method)} ${route.url} declares no access (config.access)`);
  });
  app.setNotFoundHandler((_req, reply) =>
    refuse(reply, 404, 'no such API route', 'see the README for the routes of /api/v1'),
  );
  app.addHook('onRequest', async (req, reply) => {
    const ambiguity = ambiguousPath(req.raw.url ?? '');
    if (ambiguity !== undefined)
      return refuse(
        reply,
        400,
        `ambiguous request path: ${ambiguity}`,
        'send the plain path of the route, e.g. /api/v1/backups',
      );
    const crossSite = crossSiteRefusal(
      { method: req.method, headers: req.headers, localPort: req.socket.localPort },
      { loopbackListenHost: security.auth === undefined ? security.loopbackListenHost : undefined },
    );
    if (crossSite !== undefined)
      return refuse(reply, 403, crossSite, 'call the API from a command line or a script, not a web page');
    if (security.auth === undefined) return undefined;
    return authenticate(req, reply, security.auth);
  });
}

async function authenticate(
  req: FastifyRequest,
  reply: FastifyReply,
  auth: ApiAuth,
): Promise<FastifyReply | undefined> {
  const access = req.is404 ? undefined : req.routeOptions.config.access;
  if (access === 'public') return undefined;
  // A matched route always declares its access (onRoute); should one not, nobody may call it.
  if (!req.is404 && access === undefined) return refuse(reply, 403, 'this route declares no access');
  const decision = await auth({
    authorization: req.headers.authorization,
    attributes:
      access === undefined || access === 'authenticated'
        ? undefined
        : routeAttributes(req.method, access, req.params),
  });
  if (decision.allowed) return undefined;
  return refuse(reply, decision.status, decision.message);
}
