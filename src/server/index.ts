// The long-running server: HTTP API and its route-based authentication, the scheduler loop, leader election and the API's TokenReview / SubjectAccessReview.
// It must never implement a use case itself; it calls app/.
export { startServer } from './server.ts';
