import type { ComponentChildren } from 'preact';
import { Empty, LoadStatus, PageTitle } from '../components.tsx';
import { usePoll } from '../hooks.ts';
import { backupApi, backupSegments, href, type ObjectRoute } from '../router.ts';
import type { ContentsItem, ContentsTree } from '../types.ts';

const CLUSTER = 'cluster';

interface Pick {
  ns: string | undefined;
  cluster: boolean;
  resource: string | undefined;
  item: string | undefined;
}

/** Which backup is browsed: its name and, for a fleet cluster's, the cluster. */
interface Of {
  name: string;
  cluster: string | undefined;
}

function link(of: Of, p: Partial<Pick>): string {
  return href([...backupSegments(of.name, of.cluster), 'contents'], {
    scope: p.cluster === true ? CLUSTER : undefined,
    ns: p.cluster === true ? undefined : p.ns,
    resource: p.resource,
    item: p.item,
  });
}

function Column({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <nav class="column" aria-label={title}>
      <h2>{title}</h2>
      {children}
    </nav>
  );
}

function Links({
  items,
  current,
  to,
}: {
  items: string[];
  current: string | undefined;
  to: (v: string) => string;
}) {
  if (items.length === 0) return <Empty>Nothing here.</Empty>;
  return (
    <ul class="picker">
      {items.map((v) => (
        <li key={v}>
          <a href={to(v)} aria-current={v === current ? 'true' : undefined}>
            {v}
          </a>
        </li>
      ))}
    </ul>
  );
}

function Item({ of, pick }: { of: Of; pick: Pick }) {
  const q = new URLSearchParams({ resource: pick.resource ?? '', name: pick.item ?? '' });
  if (!pick.cluster && pick.ns !== undefined) q.set('namespace', pick.ns);
  const item = usePoll<ContentsItem>(`${backupApi(of.name, of.cluster)}/contents/item?${q.toString()}`, 0);
  return (
    <section class="item" aria-labelledby="item-h">
      <h2 id="item-h">
        {pick.resource} {pick.item}
      </h2>
      <LoadStatus error={item.error} loading={item.loading} />
      {item.data?.masked === true ? (
        <p class="note" role="note">
          Secret values are masked by the server; they never reach this page.
        </p>
      ) : null}
      {item.data === undefined ? null : (
        <pre class="yaml" tabIndex={0} aria-label="Item YAML">
          {item.data.yaml}
        </pre>
      )}
    </section>
  );
}

/** Namespaces (and cluster-scoped resources) → resources → items → an item's YAML, Secrets masked. */
export function ContentsPage({ name, cluster, params }: ObjectRoute) {
  const of: Of = { name, cluster };
  const tree = usePoll<ContentsTree>(`${backupApi(name, cluster)}/contents`, 0);
  const pick: Pick = {
    cluster: params.get('scope') === CLUSTER,
    ns: params.get('ns') ?? undefined,
    resource: params.get('resource') ?? undefined,
    item: params.get('item') ?? undefined,
  };
  const t = tree.data;
  const resources = pick.cluster ? t?.cluster : t?.namespaces.find((n) => n.namespace === pick.ns)?.resources;
  const names = resources?.find((r) => r.resource === pick.resource)?.names ?? [];
  return (
    <>
      <PageTitle>Contents of {name}</PageTitle>
      <p>
        <a href={href(backupSegments(name, cluster))}>
          Back to backup {name}
          {cluster === undefined ? '' : ` of ${cluster}`}
        </a>
        {t === undefined ? null : ` · ${t.items} items`}
      </p>
      <LoadStatus error={tree.error} loading={tree.loading} />
      {t === undefined ? null : (
        <div class="browser">
          <Column title="Namespaces">
            <Links
              items={t.namespaces.map((n) => n.namespace)}
              current={pick.cluster ? undefined : pick.ns}
              to={(ns) => link(of, { ns })}
            />
            {t.cluster.length > 0 ? (
              <p>
                <a href={link(of, { cluster: true })} aria-current={pick.cluster ? 'true' : undefined}>
                  Cluster-scoped resources
                </a>
              </p>
            ) : null}
          </Column>
          <Column title="Resources">
            {resources === undefined ? (
              <Empty>Pick a namespace.</Empty>
            ) : (
              <Links
                items={resources.map((r) => r.resource)}
                current={pick.resource}
                to={(resource) => link(of, { ...pick, resource, item: undefined })}
              />
            )}
          </Column>
          <Column title="Items">
            {pick.resource === undefined ? (
              <Empty>Pick a resource.</Empty>
            ) : (
              <Links items={names} current={pick.item} to={(item) => link(of, { ...pick, item })} />
            )}
          </Column>
        </div>
      )}
      {pick.resource !== undefined && pick.item !== undefined ? <Item of={of} pick={pick} /> : null}
    </>
  );
}
