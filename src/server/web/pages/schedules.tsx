import { useState } from 'preact/hooks';
import { send } from '../api.ts';
import { Badge, LoadStatus, PageTitle, TableBox, useCan } from '../components.tsx';
import { duration, relative, timestamp } from '../format.ts';
import { usePoll } from '../hooks.ts';
import { href } from '../router.ts';
import type { List, ScheduleItem } from '../types.ts';

function Actions({ s, done }: { s: ScheduleItem; done: (e?: Error) => void }) {
  const canPause = useCan('schedules.patch');
  const canRun = useCan('backups.create');
  const paused = s.status?.paused ?? s.spec.paused === true;
  const act = (p: Promise<unknown>) =>
    p.then(
      () => done(),
      (e: unknown) => done(e instanceof Error ? e : new Error(String(e))),
    );
  const name = encodeURIComponent(s.spec.name);
  return (
    <>
      {canPause ? (
        <button
          type="button"
          onClick={() => void act(send('PATCH', `/api/v1/schedules/${name}`, { paused: !paused }))}
        >
          {paused ? 'Unpause' : 'Pause'} <span class="sr-only">{s.spec.name}</span>
        </button>
      ) : null}
      {canRun ? (
        <button
          type="button"
          onClick={() => void act(send('POST', '/api/v1/backups', { schedule: s.spec.name }))}
        >
          Run now <span class="sr-only">{s.spec.name}</span>
        </button>
      ) : null}
    </>
  );
}

/** Schedules with their next runs and RPO objectives; pause, unpause and run now where allowed. */
export function SchedulesPage() {
  const list = usePoll<List<ScheduleItem>>('/api/v1/schedules');
  const [error, setError] = useState<Error | undefined>();
  const rows = list.data?.items ?? [];
  const done = (e?: Error) => {
    setError(e);
    list.reload();
  };
  return (
    <>
      <PageTitle>Schedules</PageTitle>
      <LoadStatus
        error={list.error ?? error}
        loading={list.loading}
        rows={rows.length}
        empty="No schedules in the server's config."
      />
      {rows.length === 0 ? null : (
        <TableBox label="Schedules">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Cron</th>
              <th scope="col">State</th>
              <th scope="col">Next runs</th>
              <th scope="col">RPO</th>
              <th scope="col">Last successful</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.spec.name}>
                <th scope="row">{s.spec.name}</th>
                <td class="mono">{s.spec.schedule}</td>
                <td>
                  {(s.status?.paused ?? s.spec.paused === true)
                    ? 'paused'
                    : s.status?.running !== undefined
                      ? `running ${s.status.running}`
                      : 'active'}
                </td>
                <td>
                  {(s.status?.nextRuns ?? []).slice(0, 3).map((t) => (
                    <div key={t} title={timestamp(t)}>
                      {relative(t)}
                    </div>
                  ))}
                </td>
                <td>
                  <Badge state={s.status?.rpo.state} />{' '}
                  <span class="muted">objective {duration(s.status?.rpo.objectiveSeconds ?? 0)}</span>
                </td>
                <td>
                  {s.status?.lastSuccessful === undefined ? (
                    'none'
                  ) : (
                    <a href={href(['backups', s.status.lastSuccessful.name])}>
                      {relative(s.status.lastSuccessful.started)}
                    </a>
                  )}
                </td>
                <td class="row-actions">
                  <Actions s={s} done={done} />
                </td>
              </tr>
            ))}
          </tbody>
        </TableBox>
      )}
    </>
  );
}
