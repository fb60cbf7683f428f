import { Badge, Empty, ErrorBox, Loading, LoadStatus, PageTitle, TableBox, useCan } from '../components.tsx';
import { bytes, relative, timestamp } from '../format.ts';
import { usePoll } from '../hooks.ts';
import { backupApi, backupSegments, href } from '../router.ts';
import type { BackupDetails, BackupRow, Problem } from '../types.ts';
import { VerifyPanel } from './verify.tsx';

function Problems({ title, items }: { title: string; items: Problem[] }) {
  return (
    <section aria-label={title}>
      <h2>
        {title} ({items.length})
      </h2>
      {items.length === 0 ? (
        <Empty>None.</Empty>
      ) : (
        <ul class="problems">
          {items.map((p, i) => (
            <li key={i}>
              <span class="scope">{p.scope}</span> {p.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Counts({ d }: { d: BackupDetails }) {
  return (
    <div class="columns">
      <TableBox label="Items per resource">
        <thead>
          <tr>
            <th scope="col">Resource</th>
            <th scope="col">Items</th>
          </tr>
        </thead>
        <tbody>
          {d.resources.map((r) => (
            <tr key={r.resource}>
              <th scope="row">{r.resource}</th>
              <td>{r.count}</td>
            </tr>
          ))}
        </tbody>
      </TableBox>
      <TableBox label="Items per namespace">
        <thead>
          <tr>
            <th scope="col">Namespace</th>
            <th scope="col">Items</th>
          </tr>
        </thead>
        <tbody>
          {d.namespaces.map((n) => (
            <tr key={n.namespace}>
              <th scope="row">{n.namespace}</th>
              <td>{n.count}</td>
            </tr>
          ))}
        </tbody>
      </TableBox>
    </div>
  );
}

function Volumes({ d }: { d: BackupDetails }) {
  if (d.podVolumes.length === 0) return <Empty>No pod volume data in this backup.</Empty>;
  return (
    <TableBox label="Volume data per pod volume">
      <thead>
        <tr>
          <th scope="col">Namespace / pod</th>
          <th scope="col">Volume</th>
          <th scope="col">Phase</th>
          <th scope="col">Size</th>
          <th scope="col">Uploaded</th>
          <th scope="col">Node</th>
        </tr>
      </thead>
      <tbody>
        {d.podVolumes.map((v) => (
          <tr key={`${v.namespace}/${v.pod}/${v.volume}`}>
            <th scope="row">
              {v.namespace}/{v.pod}
            </th>
            <td>{v.volume}</td>
            <td>
              <Badge state={v.phase} /> {v.message}
            </td>
            <td>{bytes(v.bytes)}</td>
            <td>{bytes(v.uploadedBytes)}</td>
            <td>{v.node}</td>
          </tr>
        ))}
      </tbody>
    </TableBox>
  );
}

function Profile({ api }: { api: string }) {
  const p = usePoll<{ derived: boolean; summary: string }>(`${api}/profile`, 0);
  return (
    <section aria-labelledby="profile-h">
      <h2 id="profile-h">Cluster profile</h2>
      <LoadStatus error={p.error} loading={p.loading} />
      {p.data === undefined ? null : (
        <>
          {p.data.derived ? <p class="note">This backup has no profile: derived from its contents.</p> : null}
          <pre class="profile" tabIndex={0}>
            {p.data.summary}
          </pre>
        </>
      )}
    </section>
  );
}

/** One backup (the server's own, or a fleet cluster's): what it holds, what went wrong, its volumes and its cluster's profile. */
export function BackupPage({ name, cluster }: { name: string; cluster?: string | undefined }) {
  const api = backupApi(name, cluster);
  const row = usePoll<BackupRow>(api);
  const details = usePoll<BackupDetails>(row.data?.completed === undefined ? undefined : `${api}/details`, 0);
  const canRestore = useCan('restores.create');
  const b = row.data;
  return (
    <>
      <PageTitle>Backup {name}</PageTitle>
      <ErrorBox error={row.error} />
      {b === undefined ? (
        row.loading ? (
          <Loading />
        ) : null
      ) : (
        <dl class="facts">
          <dt>Cluster</dt>
          <dd>{cluster ?? 'this server’s cluster'}</dd>
          <dt>Phase</dt>
          <dd>
            <Badge state={b.phase} /> {b.failureReason ?? ''}
          </dd>
          <dt>Schedule</dt>
          <dd>{b.schedule ?? '—'}</dd>
          <dt>Started</dt>
          <dd>
            {timestamp(b.started)} ({relative(b.started)})
          </dd>
          <dt>Completed</dt>
          <dd>{timestamp(b.completed)}</dd>
          <dt>Expires</dt>
          <dd>{timestamp(b.expiration)}</dd>
          <dt>Items</dt>
          <dd>{b.items ?? '—'}</dd>
          <dt>Location</dt>
          <dd>
            {b.location}
            {details.data ? `, ${bytes(details.data.bytes)} stored` : ''}
          </dd>
        </dl>
      )}
      <p class="actions">
        <a class="button" href={href([...backupSegments(name, cluster), 'contents'])}>
          Browse contents
        </a>
        {canRestore ? (
          <a class="button" href={href(['restores', 'new'], { backup: name, cluster })}>
            Restore from this backup
          </a>
        ) : null}
      </p>
      {b?.completed === undefined ? null : <VerifyPanel api={api} />}
      <ErrorBox error={details.error} />
      {details.data === undefined ? null : (
        <>
          <h2>Contents</h2>
          <Counts d={details.data} />
          <Problems title="Errors" items={details.data.errors} />
          <Problems title="Warnings" items={details.data.warnings} />
          <h2>Volume data</h2>
          <Volumes d={details.data} />
          <Profile api={api} />
        </>
      )}
    </>
  );
}
