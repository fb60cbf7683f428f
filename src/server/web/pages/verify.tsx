import { useEffect, useState } from 'preact/hooks';
import { get, send } from '../api.ts';
import { Badge, ErrorBox, useCan } from '../components.tsx';
import { bytes, percent, relative } from '../format.ts';
import { isMissing } from '../hooks.ts';

/** How far the server's verification is (bytes of the objects it reads, tarball items parsed). */
interface Progress {
  step: string;
  bytesRead: number;
  bytesTotal?: number;
  items: number;
}

/** GET|POST …/backups/NAME/verify: `backup verify` run by the server. */
interface Verification {
  backup: string;
  phase: 'InProgress' | 'Verified' | 'Failed';
  started: string;
  completed?: string;
  progress?: Progress;
  report?: { ok: boolean; checks: { name: string; ok: boolean; detail: string }[]; problems: string[] };
  error?: { message: string; hint?: string };
}

const asError = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));

function Read({ p, running }: { p: Progress | undefined; running: boolean }) {
  if (p === undefined) return null;
  const pct = percent(p.bytesRead, p.bytesTotal);
  return (
    <div class="progress-line">
      {pct === undefined ? null : (
        <progress max={100} value={pct} aria-label="Verification progress">
          {pct}%
        </progress>
      )}{' '}
      <span class="progress-text">
        {pct === undefined ? '' : `${pct}% · `}
        {bytes(p.bytesRead)}
        {p.bytesTotal === undefined ? '' : ` of ${bytes(p.bytesTotal)}`} read, {p.items} items checked
        {running ? ` (reading: ${p.step})` : ''}
      </span>
    </div>
  );
}

function Outcome({ v }: { v: Verification }) {
  if (v.phase === 'InProgress')
    return (
      <div class="verifying" role="status">
        <p>
          <Badge state="InProgress" /> Verifying: reading every file of the backup against its checksums,
          every item of its tarball, and its resource list (started {relative(v.started)})…
        </p>
        <Read p={v.progress} running />
      </div>
    );
  const checks = v.report?.checks ?? [];
  const problems = v.report?.problems ?? [];
  return (
    <div class="verification">
      <p role="status">
        <Badge state={v.phase} /> {v.phase === 'Verified' ? 'Every check passed' : 'Verification failed'}{' '}
        <span class="muted">({relative(v.completed)})</span>
      </p>
      <Read p={v.progress} running={false} />
      {v.error === undefined ? null : (
        <div class="error" role="alert">
          {v.error.message}
          {v.error.hint === undefined ? null : <p class="hint">{v.error.hint}</p>}
        </div>
      )}
      {checks.length === 0 ? null : (
        <ul class="checks" aria-label="Checks">
          {checks.map((c) => (
            <li key={c.name} class={c.ok ? 'good' : 'bad'}>
              <strong>{c.ok ? 'ok' : 'FAILED'}</strong> {c.name}: {c.detail}
            </li>
          ))}
        </ul>
      )}
      <h3>Findings ({problems.length})</h3>
      {problems.length === 0 ? (
        <p class="empty">None.</p>
      ) : (
        <ul class="problems" aria-label="Findings">
          {problems.map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * Verify on demand: the server reads the whole backup back (checksums, tarball, items, resource
 * list) in the background; the panel shows it running, then each check and the findings. The button
 * is there only for a caller whose RBAC allows `create backups/verify`.
 */
export function VerifyPanel({ api }: { api: string }) {
  const path = `${api}/verify`;
  const can = useCan('backups.verify');
  const [v, setV] = useState<Verification | undefined>();
  const [error, setError] = useState<Error | undefined>();
  useEffect(() => {
    setV(undefined);
    // The newest verification by this server, if any (404: none yet).
    get<Verification>(path).then(setV, (e: unknown) => {
      if (!isMissing(asError(e))) setError(asError(e));
    });
  }, [path]);
  useEffect(() => {
    if (v?.phase !== 'InProgress') return undefined;
    const timer = setInterval(() => {
      get<Verification>(path).then(setV, (e: unknown) => setError(asError(e)));
    }, 1000);
    return () => clearInterval(timer);
  }, [v?.phase, path]);
  const start = () => {
    setError(undefined);
    send<Verification>('POST', path, {}).then(setV, (e: unknown) => setError(asError(e)));
  };
  if (!can && v === undefined) return null;
  return (
    <section aria-labelledby="verify-h">
      <h2 id="verify-h">Verification</h2>
      {can ? (
        <button type="button" onClick={start} disabled={v?.phase === 'InProgress'}>
          Verify backup
        </button>
      ) : null}
      <ErrorBox error={error} />
      {v === undefined ? null : <Outcome v={v} />}
    </section>
  );
}
