import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, get } from './api.ts';
import { isLive, onChange } from './events.ts';

export interface Polled<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  /** True until the first answer (or error). */
  loading: boolean;
  reload: () => void;
}

/** How often a page asks again (an unchanged answer costs a 304 without body). */
export const POLL_MS = 3000;
/** While the change feed is live, a poll in this many is still made (a missed event costs little). */
const LIVE_POLL_EVERY = 10;

/**
 * GET path now, on every change the server announces (events.ts), and every intervalMs while the
 * tab is visible — only one tick in LIVE_POLL_EVERY while the change feed is connected: live
 * updates without reloads. A path of undefined asks nothing; an intervalMs of 0 asks once. A 404
 * is kept as the error (feature detection: an API the server does not have).
 */
export function usePoll<T>(path: string | undefined, intervalMs = POLL_MS): Polled<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    if (path === undefined) return undefined;
    let live = true;
    setState({ loading: true });
    const once = () => {
      if (document.hidden) return;
      get<T>(path).then(
        (data) => live && setState({ data, loading: false }),
        (error: unknown) =>
          live &&
          setState({ error: error instanceof Error ? error : new Error(String(error)), loading: false }),
      );
    };
    once();
    if (intervalMs <= 0)
      return () => {
        live = false;
      };
    let ticks = 0;
    const timer = setInterval(() => {
      if (!isLive() || ++ticks % LIVE_POLL_EVERY === 0) once();
    }, intervalMs);
    const stop = onChange(once);
    return () => {
      live = false;
      clearInterval(timer);
      stop();
    };
  }, [path, intervalMs, tick]);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** True when the error says the server has no such route (an API not there yet). */
export const isMissing = (e: Error | undefined): boolean => e instanceof ApiError && e.status === 404;

/** The current location's fragment, updated on hashchange. */
export function useHash(): string {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const on = () => setHash(window.location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}
