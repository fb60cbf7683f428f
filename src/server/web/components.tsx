import { type ComponentChildren, createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { ApiError } from './api.ts';

/** What the signed-in caller may do (GET /api/v1/access); absent actions are not offered. */
export interface Access {
  user?: string;
  allowed: Record<string, boolean>;
  restoreEnabled: boolean;
}

export const AccessContext = createContext<Access>({ allowed: {}, restoreEnabled: false });

/** Whether the caller may do an action (`restores.create`…). */
export function useCan(action: string): boolean {
  return useContext(AccessContext).allowed[action] === true;
}

const TONE: Readonly<Record<string, string>> = {
  OK: 'good',
  Completed: 'good',
  Passed: 'good',
  Verified: 'good',
  Available: 'good',
  AT_RISK: 'warn',
  PartiallyFailed: 'warn',
  InProgress: 'info',
  New: 'info',
  DryRun: 'info',
  BREACHED: 'bad',
  Failed: 'bad',
  Unavailable: 'bad',
  FailedValidation: 'bad',
};

const LABEL: Readonly<Record<string, string>> = { OK: 'OK', AT_RISK: 'At risk', BREACHED: 'Breached' };

/** A state as colour and text (never colour alone). */
export function Badge({ state }: { state: string | undefined }) {
  const s = state ?? 'Unknown';
  const tone = Object.hasOwn(TONE, s) ? TONE[s] : 'neutral';
  return <span class={`badge badge-${tone ?? 'neutral'}`}>{Object.hasOwn(LABEL, s) ? LABEL[s] : s}</span>;
}

/** A table that scrolls sideways on a narrow screen, reachable with the keyboard. */
export function TableBox({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-box" role="region" aria-label={label} tabIndex={0}>
      <table>
        <caption class="sr-only">{label}</caption>
        {children}
      </table>
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

export function Loading() {
  return (
    <p class="loading" role="status">
      Loading…
    </p>
  );
}

/** What failed, as the server said it, with its hint. */
export function ErrorBox({ error }: { error: Error | undefined }) {
  if (error === undefined) return null;
  return (
    <div class="error" role="alert">
      <strong>{error instanceof ApiError ? `Error ${error.status}: ` : 'Error: '}</strong>
      {error.message}
      {error instanceof ApiError && error.hint !== undefined ? <p class="hint">{error.hint}</p> : null}
    </div>
  );
}

/**
 * The state of what a page (or a panel) polls, above its data: what failed, "Loading…" until the
 * first answer, and for a list (`rows`: how many it shows) `empty` once it is answered with none.
 */
export function LoadStatus({
  error,
  loading,
  rows,
  empty,
}: {
  error: Error | undefined;
  loading: boolean;
  rows?: number;
  empty?: ComponentChildren;
}) {
  const none = (rows ?? 0) === 0;
  return (
    <>
      <ErrorBox error={error} />
      {loading && none ? <Loading /> : null}
      {!loading && none && rows !== undefined && empty !== undefined ? <Empty>{empty}</Empty> : null}
    </>
  );
}

export function PageTitle({ children }: { children: ComponentChildren }) {
  return <h1 tabIndex={-1}>{children}</h1>;
}
