/**
 * The raw floor for a backup: a bare paged LIST (limit 500) of the same resources a backup lists,
 * over the same client and connection settings, parsing each page and nothing more.
 *
 * Usage: node bench/floor.ts <kubeconfig> [--include-namespaces LIST --strategy cluster|namespaces]
 *
 * Without --include-namespaces: every resource a whole-cluster backup lists, one type after another.
 * With it (globs allowed, as `backup create` takes it), only the selected namespaces' objects (and
 * their Namespace objects), one of two ways:
 *   cluster     one cluster-wide LIST per type, one type after another, items of other namespaces dropped;
 *   namespaces  one LIST per type and selected namespace, CONCURRENCY at a time.
 * The benchmark runs both and takes the cheaper as the floor of the selection.
 */
import { parseArgs } from 'node:util';
import { KubeClient } from '../src/kube/client.ts';
import { discoverResources, type ApiResource } from '../src/kube/discovery.ts';
import { loadKubeConfig } from '../src/kube/kubeconfig.ts';
import { listPages } from '../src/kube/dynamic.ts';
import { BackupScope, orderResources } from '../src/backup/scope.ts';
import { runBounded } from '../src/concurrency/index.ts';

/** LISTs in flight for the per-namespace strategy: the client's default sockets. */
const CONCURRENCY = 16;
const PAGE_SIZE = 500;

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: { 'include-namespaces': { type: 'string' }, strategy: { type: 'string', default: 'cluster' } },
  allowPositionals: true,
});
const selection = values['include-namespaces'];
const strategy = values.strategy;
if (strategy !== 'cluster' && strategy !== 'namespaces') throw new Error(`unknown --strategy ${strategy}`);

const client = new KubeClient(loadKubeConfig({ kubeconfig: positionals[0] }));
const { resources } = await discoverResources(client);
const scope = new BackupScope(
  {
    includedNamespaces: selection === undefined ? [] : selection.split(','),
    excludedNamespaces: [],
    includedResources: [],
    excludedResources: [],
    includeClusterResources: undefined,
  },
  resources,
);
const collected = orderResources(resources).filter((r) => scope.collects(r));

/** Items of a LIST (of one namespace, or cluster-wide) that the selection keeps. */
async function count(resource: ApiResource, namespace?: string): Promise<number> {
  let n = 0;
  const options = namespace === undefined ? { pageSize: PAGE_SIZE } : { pageSize: PAGE_SIZE, namespace };
  for await (const page of listPages(client, resource, options)) {
    if (selection === undefined || namespace !== undefined) n += page.length;
    else if (resource.groupResource === 'namespaces')
      n += page.filter((o) => scope.namespaces.shouldInclude(o.metadata?.name ?? '')).length;
    else n += page.filter((o) => scope.namespaces.shouldInclude(o.metadata?.namespace ?? '')).length;
  }
  return n;
}

let items = 0;
if (selection === undefined || strategy === 'cluster') {
  for (const resource of collected) items += await count(resource);
} else {
  // The Namespace objects come from one cluster-wide LIST, which also names the namespaces a glob selects.
  const namespaceType = collected.find((r) => r.groupResource === 'namespaces');
  const selected: string[] = [];
  if (namespaceType !== undefined) {
    for await (const page of listPages(client, namespaceType, { pageSize: PAGE_SIZE })) {
      for (const o of page) {
        const name = o.metadata?.name ?? '';
        if (scope.namespaces.shouldInclude(name)) selected.push(name);
      }
    }
  }
  items += selected.length;
  const lists = collected
    .filter((r) => r.namespaced)
    .flatMap((resource) => selected.map((namespace) => ({ resource, namespace })));
  await runBounded(
    lists,
    CONCURRENCY,
    () => false,
    async ({ resource, namespace }) => {
      const n = await count(resource, namespace); // not `items += await`: that would read items before waiting
      items += n;
    },
  );
}
client.close();
process.stdout.write(`${JSON.stringify({ items })}\n`);
