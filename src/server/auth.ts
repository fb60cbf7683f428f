import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { LifeboatError } from '../errors/index.ts';

/** Bearer-token check in constant time (hashes compared, so the length leaks nothing). */
export function tokenMatcher(token: string): (header: string | undefined) => boolean {
  const want = createHash('sha256').update(token).digest();
  return (header) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (m === null) return false;
    return timingSafeEqual(
      createHash('sha256')
        .update(m[1] ?? '')
        .digest(),
      want,
    );
  };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

/** The API token: required unless --insecure-no-auth, which is refused on a non-loopback address. */
export function checkAuthSettings(host: string, token: string | undefined, insecureNoAuth: boolean): void {
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
