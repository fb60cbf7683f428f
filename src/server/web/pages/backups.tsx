import { Badge, LoadStatus, PageTitle, TableBox } from '../components.tsx';
import { relative, timestamp } from '../format.ts';
import { usePoll } from '../hooks.ts';
import { backupSegments, href } from '../router.ts';
import type { BackupRow, List } from '../types.ts';

const AGES: readonly [string, string, number][] = [
  ['', 'any age', Infinity],
  ['1h', 'last hour', 3600],
  ['24h', 'last 24 hours', 86_400],
  ['7d', 'last 7 days', 7 * 86_400],
  ['30d', 'last 30 days', 30 * 86_400],
];

/** The backups that pass the filters (schedule, phase, age, cluster) of the page's query. */
export function filterBackups(rows: readonly BackupRow[], f: URLSearchParams, now: number): BackupRow[] {
  const maxAge = AGES.find(([k]) => k === (f.get('age') ?? ''))?.[2] ?? Infinity;
  return rows.filter((b) => {
    if (f.get('schedule') && (b.schedule ?? '') !== f.get('schedule')) return false;
    if (f.get('phase') && b.phase !== f.get('phase')) return false;
    if (f.get('cluster') && (b.cluster ?? '') !== f.get('cluster')) return false;
    if (maxAge === Infinity) return true;
    const t = b.started === undefined ? NaN : Date.parse(b.started);
    return !Number.isNaN(t) && (now - t) / 1000 <= maxAge;
  });
}

const distinct = (values: (string | undefined)[]) =>
  [...new Set(values.filter((v): v is string => v !== undefined && v !== ''))].sort();

function Filter(props: {
  id: string;
  label: string;
  value: string;
  options: [string, string][];
  f: URLSearchParams;
}) {
  const change = (e: Event) => {
    const next = new URLSearchParams(props.f);
    next.set(props.id, (e.currentTarget as HTMLSelectElement).value);
    window.location.hash = href(['backups'], Object.fromEntries(next));
  };
  return (
    <label>
      {props.label}
      <select id={`filter-${props.id}`} value={props.value} onChange={change}>
        {props.options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

function Filters({ rows, f }: { rows: BackupRow[]; f: URLSearchParams }) {
  const any = (label: string, values: string[]): [string, string][] => [
    ['', label],
    ...values.map((v): [string, string] => [v, v]),
  ];
  return (
    <form class="filters" aria-label="Filter backups" onSubmit={(e) => e.preventDefault()}>
      <Filter
        id="schedule"
        label="Schedule"
        f={f}
        value={f.get('schedule') ?? ''}
        options={any('all schedules', distinct(rows.map((r) => r.schedule)))}
      />
      <Filter
        id="phase"
        label="Phase"
        f={f}
        value={f.get('phase') ?? ''}
        options={any('all phases', distinct(rows.map((r) => r.phase)))}
      />
      <Filter
        id="age"
        label="Age"
        f={f}
        value={f.get('age') ?? ''}
        options={AGES.map(([k, t]): [string, string] => [k, t])}
      />
      <Filter
        id="cluster"
        label="Cluster"
        f={f}
        value={f.get('cluster') ?? ''}
        options={any('all clusters', distinct(rows.map((r) => r.cluster)))}
      />
    </form>
  );
}

/** Every backup the server knows (its own and each fleet cluster's), running ones first, with filters kept in the link. */
export function BackupsPage({ filters }: { filters: URLSearchParams }) {
  const list = usePoll<List<BackupRow>>('/api/v1/backups');
  const all = list.data?.items ?? [];
  const rows = filterBackups(all, filters, Date.now());
  return (
    <>
      <PageTitle>Backups</PageTitle>
      <Filters rows={all} f={filters} />
      <LoadStatus
        error={list.error}
        loading={list.loading}
        rows={rows.length}
        empty="No backup matches these filters."
      />
      {rows.length > 0 ? (
        <TableBox label="Backups">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Phase</th>
              <th scope="col">Schedule</th>
              <th scope="col">Started</th>
              <th scope="col">Items</th>
              <th scope="col">Errors / warnings</th>
              <th scope="col">Location</th>
              <th scope="col">Cluster</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((b) => (
              <tr key={`${b.cluster ?? ''}/${b.location}/${b.name}`}>
                <th scope="row">
                  <a href={href(backupSegments(b.name, b.cluster))}>{b.name}</a>
                </th>
                <td>
                  <Badge state={b.phase} />
                </td>
                <td>{b.schedule ?? '—'}</td>
                <td title={timestamp(b.started)}>{relative(b.started)}</td>
                <td>{b.items ?? '—'}</td>
                <td>
                  {b.errors ?? 0} / {b.warnings ?? 0}
                </td>
                <td>{b.location}</td>
                <td title={b.clusterUid}>{b.cluster ?? 'this server’s'}</td>
              </tr>
            ))}
          </tbody>
        </TableBox>
      ) : null}
    </>
  );
}
