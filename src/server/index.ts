// The long-running server: the scheduler loop and its housekeeping (crash recovery, run records), leader election, the TokenReview / SubjectAccessReview client, and the HTTP API (http/).
// It must never implement a use case itself; it calls app/.
export { startServer, type ServerOptions } from './server.ts';
export { fleetOwners } from './fleet/index.ts';
