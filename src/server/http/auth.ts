import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { LifeboatError } from '../../errors/index.ts';
import type { ApiAttributes, AuthDecision } from '../kube-auth.ts';

export type AuthMode = 'token' | 'kubernetes';

/**
 * Decides whether a request to a route that is not public may proceed. `attributes` are what the
 * matched route asks for (from the route and its decoded params); undefined when the request
 * matched no route: then only the credentials are checked, and it is answered 404.
 */
export type ApiAuth = (req: {
  authorization: string | undefined;
  attributes: ApiAttributes | undefined;
}) => Promise<AuthDecision>;

const bearer = (header: string | undefined) => /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];

/** The default: one shared bearer token. */
export function tokenAuth(token: string): ApiAuth {
  const matches = tokenMatcher(token);
  return (req) =>
    Promise.resolve(
      matches(req.authorization)
        ? { allowed: true, user: 'token' }
        : { allowed: false, status: 401, message: 'a valid bearer token is required' },
    );
}

/** `--auth kubernetes`: TokenReview of the bearer token, then SubjectAccessReview of the request. */
export function kubernetesAuth(reviewer: {
  review(token: string, attrs: ApiAttributes | undefined): Promise<AuthDecision>;
}): ApiAuth {
  return async (req) => {
    const token = bearer(req.authorization);
    if (token === undefined)
      return { allowed: false, status: 401, message: 'a Kubernetes bearer token is required' };
    return reviewer.review(token, req.attributes);
  };
}

/** Bearer-token check in constant time (hashes compared, so the length leaks nothing). */
export function tokenMatcher(token: string): (header: string | undefined) => boolean {
  const want = createHash('sha256').update(token).digest();
  return (header) => {
    const given = bearer(header);
    if (given === undefined) return false;
    return timingSafeEqual(createHash('sha256').update(given).digest(), want);
  };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

/** The API token: required unless --insecure-no-auth, which is refused on a non-loopback address. */
export function checkAuthSettings(
  host: string,
  token: string | undefined,
  insecureNoAuth: boolean,
  mode: AuthMode = 'token',
): void {
  if (mode === 'kubernetes') {
    if (insecureNoAuth)
      throw new LifeboatError('USAGE', '--auth kubernetes and --insecure-no-auth contradict each other', {
        hint: 'give one of them',
      });
    return;
  }
  if (insecureNoAuth) {
    if (!isLoopback(host))
      throw new LifeboatError(
        'USAGE',
        `--insecure-no-auth is only allowed on a loopback address, not ${host}`,
        {
          hint: 'listen on 127.0.0.1, or give the API a token with --token-file or LIFEBOAT_API_TOKEN',
        },
      );
    return;
  }
  if (token === undefined || token.length < 16)
    throw new LifeboatError('USAGE', 'the HTTP API needs a bearer token of at least 16 characters', {
      hint: 'pass --token-file FILE or set LIFEBOAT_API_TOKEN (or --insecure-no-auth on 127.0.0.1)',
    });
}
