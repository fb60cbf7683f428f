import { useEffect, useState } from 'preact/hooks';
import { send } from '../api.ts';
import { Badge, Empty, ErrorBox, Loading, PageTitle, TableBox } from '../components.tsx';
import { duration, relative } from '../format.ts';
import { isMissing, usePoll } from '../hooks.ts';
import { href } from '../router.ts';

interface DrillRow {
  name: string;
  cluster?: string;
  phase?: string;
  passed?: boolean;
  rtoSeconds?: number;
  started?: string;
  completed?: string;
}

const NO_API =
  'This server has no drill API (/api/v1/drills): drills run with `lifeboat drill run` show here once the server serves them.';

const stateOf = (d: DrillRow) =>
  d.phase ?? (d.passed === undefined ? undefined : d.passed ? 'Passed' : 'Failed');

/** DR drills and their outcome, when the server has a drill API. */
export function DrillsPage() {
  const list = usePoll<{ items?: DrillRow[] }>('/api/v1/drills', 10_000);
  const rows = Array.isArray(list.data?.items) ? list.data.items : [];
  return (
    <>
      <PageTitle>Drills</PageTitle>
      {isMissing(list.error) ? <Empty>{NO_API}</Empty> : <ErrorBox error={list.error} />}
      {list.loading ? <Loading /> : null}
      {list.data !== undefined && rows.length === 0 ? <Empty>No drills yet.</Empty> : null}
      {rows.length === 0 ? null : (
        <TableBox label="Drills">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Cluster</th>
              <th scope="col">Outcome</th>
              <th scope="col">RTO</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.name}>
                <th scope="row">
                  <a href={href(['drills', d.name])}>{d.name}</a>
                </th>
                <td>{d.cluster ?? '—'}</td>
                <td>
                  <Badge state={stateOf(d)} />
                </td>
                <td>{d.rtoSeconds === undefined ? '—' : duration(d.rtoSeconds)}</td>
                <td>{relative(d.completed ?? d.started)}</td>
              </tr>
            ))}
          </tbody>
        </TableBox>
      )}
    </>
  );
}

interface DrillFacts {
  cluster?: string;
  integrity?: { ok?: boolean };
  report?: { outcome?: string; rtoSeconds?: number; backup?: string };
}

function Facts({ d }: { d: DrillFacts }) {
  return (
    <dl class="facts">
      <dt>Outcome</dt>
      <dd>
        <Badge state={d.report?.outcome} />
        {d.report?.rtoSeconds === undefined ? '' : ` RTO ${duration(d.report.rtoSeconds)}`}
      </dd>
      <dt>Cluster</dt>
      <dd>{d.cluster ?? '—'}</dd>
      <dt>Evidence</dt>
      <dd>
        {d.integrity?.ok === true
          ? 'intact (every file matches its manifest)'
          : 'ALTERED: a file no longer matches the manifest'}
      </dd>
    </dl>
  );
}

/**
 * A drill's HTML evidence report, opened in place: a frame cannot send the token, so the page asks
 * for a ticket (a URL good for this drill for 60 s) and frames it sandboxed (no script, an origin of
 * its own); the report comes under its own content policy, so its inline styles apply there and
 * nowhere else.
 */
export function DrillPage({ name }: { name: string }) {
  const facts = usePoll<DrillFacts>(`/api/v1/drills/${encodeURIComponent(name)}`, 0);
  const [url, setUrl] = useState<string | undefined>();
  const [error, setError] = useState<Error | undefined>();
  useEffect(() => {
    setUrl(undefined);
    setError(undefined);
    send<{ url: string }>('POST', `/api/v1/drills/${encodeURIComponent(name)}/report-ticket`, {}).then(
      (t) => setUrl(t.url),
      (e: unknown) => setError(e instanceof Error ? e : new Error(String(e))),
    );
  }, [name]);
  return (
    <>
      <PageTitle>Drill {name}</PageTitle>
      <p>
        <a href={href(['drills'])}>All drills</a>
      </p>
      {isMissing(error) ? <Empty>{NO_API}</Empty> : <ErrorBox error={error ?? facts.error} />}
      {facts.data === undefined ? null : <Facts d={facts.data} />}
      {url === undefined ? (
        error === undefined ? (
          <Loading />
        ) : null
      ) : (
        <iframe class="report" title={`Drill report ${name}`} sandbox="" src={url} />
      )}
    </>
  );
}
