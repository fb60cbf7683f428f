/**
 * The raw floor for a backup: a bare paged LIST (limit 500) of the same resources a whole-cluster
 * backup lists, over the same client and connection settings, parsing each page and nothing more.
 * Usage: node bench/floor.ts <kubeconfig>
 */
import { KubeClient } from '../src/kube/client.ts';
import { discoverResources } from '../src/kube/discovery.ts';
import { loadKubeConfig } from '../src/kube/kubeconfig.ts';
import { listPages } from '../src/kube/dynamic.ts';
import { BackupScope, orderResources } from '../src/backup/scope.ts';

const kubeconfig = process.argv[2];
const client = new KubeClient(loadKubeConfig({ kubeconfig }));
const { resources } = await discoverResources(client);
const scope = new BackupScope(
  {
    includedNamespaces: [],
    excludedNamespaces: [],
    includedResources: [],
    excludedResources: [],
    includeClusterResources: undefined,
  },
  resources,
);
let items = 0;
for (const resource of orderResources(resources).filter((r) => scope.collects(r))) {
  for await (const page of listPages(client, resource, { pageSize: 500 })) items += page.length;
}
client.close();
process.stdout.write(`${JSON.stringify({ items })}\n`);
