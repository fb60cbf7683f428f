import { Badge, Empty, ErrorBox, Loading, PageTitle, TableBox } from '../components.tsx';
import {
  clusterTimelines,
  type DrillMark,
  drillMarks,
  type FleetRow,
  rowsFromClusters,
  rowsFromSchedules,
  type TimelineDay,
  type TimelineRow,
  withDrills,
} from '../fleet-model.ts';
import { duration, relative } from '../format.ts';
import { isMissing, usePoll } from '../hooks.ts';
import { backupSegments, href } from '../router.ts';
import type { BackupRow, List, ScheduleItem, ServerInfo } from '../types.ts';

function Drill({ d }: { d: FleetRow['lastDrill'] }) {
  if (d === undefined) return <span>none</span>;
  const state = d.passed === undefined ? 'Unknown' : d.passed ? 'Passed' : 'Failed';
  return (
    <span>
      <Badge state={state} /> {d.rtoSeconds === undefined ? '' : `RTO ${duration(d.rtoSeconds)}`}{' '}
      {relative(d.at)}
    </span>
  );
}

function Rows({ rows }: { rows: FleetRow[] }) {
  return (
    <TableBox label="Clusters and their recovery point objectives">
      <thead>
        <tr>
          <th scope="col">Cluster</th>
          <th scope="col">Schedule</th>
          <th scope="col">RPO</th>
          <th scope="col">Last successful backup</th>
          <th scope="col">Next run</th>
          <th scope="col">Last drill</th>
          <th scope="col">Owner</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={`${r.cluster}/${r.schedule ?? ''}`} class={`rpo-${r.rpo}`}>
            <th scope="row">{r.cluster}</th>
            <td>{r.schedule ?? '—'}</td>
            <td>
              <Badge state={r.rpo} />
              {r.objectiveSeconds === undefined ? null : (
                <span class="muted"> objective {duration(r.objectiveSeconds)}</span>
              )}
              {r.rpoReason === undefined ? null : <div class="muted small">{r.rpoReason}</div>}
            </td>
            <td>
              {r.lastBackup === undefined ? (
                'none'
              ) : (
                <a href={href(backupSegments(r.lastBackup, r.own === true ? undefined : r.cluster))}>
                  {r.lastBackup}
                </a>
              )}
              <div class="muted small">{relative(r.lastBackupAt)}</div>
            </td>
            <td>{relative(r.nextRun)}</td>
            <td>
              <Drill d={r.lastDrill} />
            </td>
            <td>{r.owner ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </TableBox>
  );
}

function Mark({ d }: { d: DrillMark }) {
  const outcome = d.passed ? 'passed' : 'failed';
  const what = `Drill ${d.name}${d.cluster === undefined ? '' : ` of ${d.cluster}`} ${outcome}`;
  return (
    <li>
      <a class={`mark mark-${outcome}`} href={href(['drills', d.name])} aria-label={what} title={what}>
        <span aria-hidden="true">{d.passed ? '✓' : '✗'}</span>
      </a>
    </li>
  );
}

/** A day's backups and drills of one cluster: each count as text in its phase's colour, each drill a mark. */
function DayCell({ d }: { d: TimelineDay }) {
  const counts: [number, string, string][] = [
    [d.completed, 'good', 'completed'],
    [d.partial, 'warn', 'partly failed'],
    [d.failed, 'bad', 'failed'],
  ];
  const shown = counts.filter(([n]) => n > 0);
  return (
    <td>
      {shown.length === 0 && d.drills.length === 0 ? (
        <span class="muted">
          <span aria-hidden="true">·</span>
          <span class="sr-only">no backups</span>
        </span>
      ) : null}
      {shown.map(([n, tone, what]) => (
        <span key={what} class={`count ${tone}`}>
          {n} {what}
        </span>
      ))}
      {d.drills.length === 0 ? null : (
        <ul class="marks" aria-label={`Drills on ${d.day}`}>
          {d.drills.map((m) => (
            <Mark key={m.name} d={m} />
          ))}
        </ul>
      )}
    </td>
  );
}

/** The last 7 days per cluster: its backups by how they ended, and each drill as a passed or failed mark. */
function Timeline({ rows }: { rows: TimelineRow[] }) {
  const days = rows[0]?.days.map((d) => d.day) ?? [];
  return (
    <section aria-labelledby="timeline-h">
      <h2 id="timeline-h">Backups and drills in the last 7 days</h2>
      <ul class="legend" aria-label="Legend">
        <li>
          <span class="good">n completed</span>, <span class="warn">n partly failed</span>,{' '}
          <span class="bad">n failed</span>: the cluster’s backups started that day (UTC)
        </li>
        <li>
          <span class="mark mark-passed" aria-hidden="true">
            ✓
          </span>{' '}
          drill passed
        </li>
        <li>
          <span class="mark mark-failed" aria-hidden="true">
            ✗
          </span>{' '}
          drill failed (each mark links to its report)
        </li>
      </ul>
      <TableBox label="Backups and drills per cluster and day">
        <thead>
          <tr>
            <th scope="col">Cluster</th>
            {days.map((day) => (
              <th scope="col" key={day}>
                {day}
              </th>
            ))}
          </tr>
        </thead>
        <tbody class="timeline">
          {rows.map((r) => (
            <tr key={r.cluster}>
              <th scope="row">{r.cluster}</th>
              {r.days.map((d) => (
                <DayCell key={d.day} d={d} />
              ))}
            </tr>
          ))}
        </tbody>
      </TableBox>
    </section>
  );
}

/** Every cluster with its RPO state; without a fleet API, the server's own cluster per schedule. */
export function FleetPage() {
  const clusters = usePoll<unknown>('/api/v1/clusters');
  const fromFleet = rowsFromClusters(clusters.data);
  // No fleet API, or one with no cluster registered: the server's own cluster, per schedule.
  const fallback = isMissing(clusters.error) || (clusters.data !== undefined && fromFleet.length === 0);
  const schedules = usePoll<List<ScheduleItem>>(fallback ? '/api/v1/schedules' : undefined);
  const server = usePoll<ServerInfo>(fallback ? '/api/v1/server' : undefined, 10_000);
  const backups = usePoll<List<BackupRow>>('/api/v1/backups');
  const drills = drillMarks(usePoll<unknown>('/api/v1/drills', 10_000).data);
  const rows = withDrills(
    fallback ? rowsFromSchedules(schedules.data?.items ?? [], server.data) : fromFleet,
    drills,
  );
  const loading = fallback ? schedules.loading : clusters.loading;
  const breached = rows.filter((r) => r.rpo === 'BREACHED').length;
  return (
    <>
      <PageTitle>Fleet overview</PageTitle>
      {fallback ? (
        <p class="note">
          {isMissing(clusters.error)
            ? 'This server has no fleet API (/api/v1/clusters)'
            : 'No cluster is registered in the fleet'}
          : showing the cluster this server backs up, one row per schedule.
        </p>
      ) : (
        <ErrorBox error={clusters.error} />
      )}
      {fallback ? <ErrorBox error={schedules.error} /> : null}
      <p class="summary" role="status">
        {rows.length} {rows.length === 1 ? 'row' : 'rows'}, {breached} with a breached RPO
      </p>
      {loading && rows.length === 0 ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Empty>No clusters and no schedules yet: add a schedule to protect a cluster.</Empty>
      ) : (
        <Rows rows={rows} />
      )}
      <Timeline
        rows={clusterTimelines(
          fallback ? [] : rows.map((r) => r.cluster),
          backups.data?.items ?? [],
          drills,
          Date.now(),
        )}
      />
    </>
  );
}
