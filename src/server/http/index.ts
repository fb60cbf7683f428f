// The server's HTTP API: its routes, request bodies, and the one guard that authenticates and authorizes every request by the route it matched (bearer token, or TokenReview + SubjectAccessReview).
// It must never run a use case's steps itself (it calls app/), nor let a route be registered without declaring who may call it.
export { buildApi, type ApiOptions } from './api.ts';
export { checkAuthSettings, kubernetesAuth, tokenAuth, type ApiAuth, type AuthMode } from './auth.ts';
export type { ApiSecurity } from './guard.ts';
