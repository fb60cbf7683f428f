import { Badge, Empty, ErrorBox, Loading, LoadStatus, PageTitle, TableBox, useCan } from '../components.tsx';
import { relative, timestamp } from '../format.ts';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.ts';
import { isMissing, POLL_MS, usePoll } from '../hooks.ts';
import { backupSegments, href, type ObjectRoute, restoreApi, restoreSegments } from '../router.ts';
import type { List, LocationState, RestoreRow } from '../types.ts';

type LiveRestore = RestoreRow & { step?: string; done?: number; total?: number; failed?: number };

const restoreKey = (r: { name: string; cluster?: string | undefined }) => `${r.cluster ?? ''}/${r.name}`;

/**
 * Restores of every location (each keeps its own records; a fleet cluster's are under its prefix
 * and name their cluster), running ones first, polled.
 */
function useRestores(intervalMs = POLL_MS): { data?: LiveRestore[]; error?: Error; loading: boolean } {
  const locations = usePoll<List<LocationState>>('/api/v1/locations', 10_000);
  const names = (locations.data?.items ?? []).map((l) => l.name).join('\n');
  const known = locations.data !== undefined || locations.error !== undefined;
  const [state, setState] = useState<{ data?: LiveRestore[]; error?: Error; loading: boolean }>({
    loading: true,
  });
  useEffect(() => {
    if (!known) return undefined;
    let live = true;
    const paths =
      names === ''
        ? ['/api/v1/restores']
        : names.split('\n').map((n) => `/api/v1/restores?location=${encodeURIComponent(n)}`);
    const once = async () => {
      if (document.hidden) return;
      try {
        const lists = await Promise.all(paths.map((p) => get<List<LiveRestore>>(p)));
        // A fleet cluster's restore is known by its cluster and name (listed once per location asked).
        const byName = new Map<string, LiveRestore>();
        for (const r of lists.flatMap((l) => l.items))
          if (!byName.has(restoreKey(r))) byName.set(restoreKey(r), r);
        const rows = [...byName.values()].sort(
          (a, b) =>
            Number(b.phase === 'InProgress') - Number(a.phase === 'InProgress') ||
            (b.started ?? '').localeCompare(a.started ?? ''),
        );
        if (live) setState({ data: rows, loading: false });
      } catch (e) {
        if (live)
          setState((s) => ({ ...s, error: e instanceof Error ? e : new Error(String(e)), loading: false }));
      }
    };
    void once();
    const timer = setInterval(() => void once(), intervalMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [names, known, intervalMs]);
  return state;
}

/** The restores: running ones first (with their step), then those stored in the location. */
export function RestoresPage() {
  const list = useRestores();
  const canRestore = useCan('restores.create');
  const rows = list.data ?? [];
  return (
    <>
      <PageTitle>Restores</PageTitle>
      {canRestore ? (
        <p class="actions">
          <a class="button" href={href(['restores', 'new'])}>
            New restore
          </a>
        </p>
      ) : null}
      <LoadStatus error={list.error} loading={list.loading} rows={rows.length} empty="No restores yet." />
      {rows.length === 0 ? null : (
        <TableBox label="Restores">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Cluster</th>
              <th scope="col">Backup</th>
              <th scope="col">Phase</th>
              <th scope="col">Started</th>
              <th scope="col">Created</th>
              <th scope="col">Errors / warnings</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={restoreKey(r)}>
                <th scope="row">
                  <a href={href(restoreSegments(r.name, r.cluster), { location: r.location })}>{r.name}</a>
                </th>
                <td>{r.cluster ?? 'this server’s'}</td>
                <td>
                  <a href={href(backupSegments(r.backup, r.cluster))}>{r.backup}</a>
                </td>
                <td>
                  <Badge state={r.phase} /> {r.step ?? ''}
                </td>
                <td title={timestamp(r.started)}>{relative(r.started)}</td>
                <td>{r.created ?? '—'}</td>
                <td>
                  {r.errors ?? 0} / {r.warnings ?? 0}
                </td>
              </tr>
            ))}
          </tbody>
        </TableBox>
      )}
    </>
  );
}

/** One restore, live (from its own route): its step and items while it runs, then what it created and its errors. */
export function RestorePage({ name, cluster, params }: ObjectRoute) {
  const location = params.get('location') ?? '';
  const path = `${restoreApi(name, cluster)}${location === '' ? '' : `?location=${encodeURIComponent(location)}`}`;
  const got = usePoll<LiveRestore>(path, 1500);
  const r = got.data;
  return (
    <>
      <PageTitle>Restore {name}</PageTitle>
      {got.error !== undefined && r === undefined && !isMissing(got.error) ? (
        <ErrorBox error={got.error} />
      ) : null}
      {r === undefined ? (
        got.loading ? (
          <Loading />
        ) : (
          <Empty>No restore of this name (yet): it appears once it has started.</Empty>
        )
      ) : (
        <>
          <p role="status" class="progress">
            <Badge state={r.phase} />{' '}
            {r.phase === 'InProgress'
              ? `${r.step ?? 'starting'}${r.total === undefined ? '' : `: ${r.done ?? 0} of ${r.total} items`}`
              : `finished ${relative(r.completed)}`}
          </p>
          {r.phase === 'InProgress' && r.total !== undefined && r.total > 0 ? (
            <progress max={r.total} value={r.done ?? 0} aria-label="Items restored" />
          ) : null}
          <dl class="facts">
            {r.cluster === undefined ? null : (
              <>
                <dt>Cluster</dt>
                <dd>{r.cluster}</dd>
              </>
            )}
            <dt>Backup</dt>
            <dd>
              <a href={href(backupSegments(r.backup, r.cluster))}>{r.backup}</a>
            </dd>
            <dt>Started</dt>
            <dd>{timestamp(r.started)}</dd>
            <dt>Completed</dt>
            <dd>{timestamp(r.completed)}</dd>
            <dt>Items created</dt>
            <dd>{r.created ?? '—'}</dd>
            <dt>Errors / warnings</dt>
            <dd>
              {r.errors ?? 0} / {r.warnings ?? 0}
            </dd>
          </dl>
        </>
      )}
    </>
  );
}
