import { useState } from 'preact/hooks';
import { ApiError, get, session } from '../api.ts';
import { PageTitle } from '../components.tsx';

/**
 * Sign in with the server's bearer token (or, with --auth kubernetes, a Kubernetes token). The
 * token is checked against the API before it is kept, in this tab's sessionStorage only.
 */
export function SignInPage({ onSignedIn }: { onSignedIn: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const t = token.trim();
    if (t === '') return setError('Enter the API token.');
    setBusy(true);
    try {
      await get('/api/v1/access', t);
      session.signIn(t);
      onSignedIn();
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? 'The server refused this token: check it and try again.'
          : `Cannot sign in: ${err instanceof Error ? err.message : String(err)}`,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin">
      <PageTitle>Sign in to lifeboat</PageTitle>
      <form onSubmit={(e) => void submit(e)}>
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          aria-describedby="token-help"
          aria-invalid={error === undefined ? undefined : 'true'}
        />
        <small id="token-help">
          The server's bearer token, or a Kubernetes token with --auth kubernetes. It stays in this tab only.
        </small>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error === undefined ? null : (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
