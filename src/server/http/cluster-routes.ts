import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { clusterStatuses } from '../status.ts';
import { on } from './route-access.ts';

/**
 * GET /api/v1/clusters: each cluster of the fleet with its identity, labels, whether it answers (and
 * why not), the replica owning it (its Lease), and per schedule the last successful backup and the
 * RPO state (ok, at-risk, breached) from the store. Never a kubeconfig.
 */
export function clusterRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/api/v1/clusters', on('clusters'), () => {
    const view = ctx.fleet.leases?.view;
    return Promise.resolve({
      replica: {
        identity: ctx.replica,
        owned: [...ctx.fleet.owned()].sort(),
        bound: view?.bound,
        replicas: view?.replicas,
      },
      problems: ctx.fleet.problems,
      items: clusterStatuses(ctx),
    });
  });
}
