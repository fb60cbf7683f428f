import type { FastifyInstance } from 'fastify';
import { nullObject } from '../../model/index.ts';
import type { ApiAttributes } from '../kube-auth.ts';
import type { ServerContext } from '../context.ts';
import type { ApiSecurity } from './guard.ts';
import { AUTHENTICATED } from './route-access.ts';

/** The actions a client (the dashboard) offers, each as the access review its API route makes. */
const ACTIONS: ReadonlyMap<string, ApiAttributes> = new Map([
  ['backups.create', { verb: 'create', resource: 'backups' }],
  ['backups.verify', { verb: 'create', resource: 'backups', subresource: 'verify' }],
  ['restores.create', { verb: 'create', resource: 'restores' }],
  ['schedules.patch', { verb: 'patch', resource: 'schedules' }],
  ['backups.list', { verb: 'list', resource: 'backups' }],
  ['restores.list', { verb: 'list', resource: 'restores' }],
  ['schedules.list', { verb: 'list', resource: 'schedules' }],
  ['locations.list', { verb: 'list', resource: 'locations' }],
]);

/**
 * GET /api/v1/access: what the caller may do, so a client can leave out what would be refused
 * (the API refuses anyway). Each action is decided as its route would decide it: with --auth
 * kubernetes by a SubjectAccessReview of the caller; with the shared token (or no auth) everything
 * is allowed. `restoreEnabled` says whether this server runs restores at all.
 */
export function accessRoutes(app: FastifyInstance, ctx: ServerContext, security: ApiSecurity): void {
  app.get('/api/v1/access', AUTHENTICATED, async (req) => {
    const auth = security.auth;
    const allowed = nullObject<boolean>();
    let user: string | undefined;
    for (const [action, attributes] of ACTIONS) {
      if (auth === undefined) {
        allowed[action] = true;
        continue;
      }
      const decision = await auth({ authorization: req.headers.authorization, attributes });
      allowed[action] = decision.allowed;
      if (decision.allowed) user = decision.user;
    }
    return { user, allowed, restoreEnabled: ctx.restoreEnabled };
  });
}
