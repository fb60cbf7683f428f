/**
 * The dashboard's one way to the server: JSON over /api/v1 with the bearer token the user signed
 * in with (kept in this tab's sessionStorage, never a cookie, so no other site can use it).
 * GETs remember the ETag of the last answer and send it back: an unchanged answer is a 304.
 */

const TOKEN_KEY = 'lifeboat.token';

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  signOut: (): void => {
    sessionStorage.removeItem(TOKEN_KEY);
    cache.clear();
    window.dispatchEvent(new Event('lifeboat:signed-out'));
  },
};

/** An answer of the API that is not a success, with what the server said. */
export class ApiError extends Error {
  readonly status: number;
  readonly hint: string | undefined;
  constructor(status: number, message: string, hint?: string) {
    super(message);
    this.status = status;
    this.hint = hint;
  }
}

const cache = new Map<string, { etag: string; body: unknown }>();

function headers(token: string | null, json: boolean, etag?: string): Headers {
  const h = new Headers({ accept: 'application/json' });
  if (token !== null) h.set('authorization', `Bearer ${token}`);
  if (json) h.set('content-type', 'application/json');
  if (etag !== undefined) h.set('if-none-match', etag);
  return h;
}

async function failure(res: Response): Promise<ApiError> {
  let body: { message?: unknown; hint?: unknown } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // not JSON: the status says enough
  }
  const message = typeof body.message === 'string' ? body.message : `${res.status} ${res.statusText}`;
  return new ApiError(res.status, message, typeof body.hint === 'string' ? body.hint : undefined);
}

/** GET path: its JSON (from the cache on 304); a 401 signs the user out. */
export async function get<T>(path: string, token = session.token()): Promise<T> {
  const known = cache.get(path);
  const res = await fetch(path, { headers: headers(token, false, known?.etag), cache: 'no-store' });
  if (res.status === 304 && known !== undefined) return known.body as T;
  if (!res.ok) {
    const err = await failure(res);
    if (res.status === 401 && token === session.token()) session.signOut();
    throw err;
  }
  const body = (await res.json()) as T;
  const etag = res.headers.get('etag');
  if (etag !== null) cache.set(path, { etag, body });
  return body;
}

/** POST or PATCH a JSON body; answers with the JSON the server sent. */
export async function send<T>(method: 'POST' | 'PATCH', path: string, body: unknown): Promise<T> {
  const token = session.token();
  const res = await fetch(path, { method, headers: headers(token, true), body: JSON.stringify(body) });
  if (!res.ok) {
    const err = await failure(res);
    if (res.status === 401) session.signOut();
    throw err;
  }
  return (await res.json()) as T;
}
