import { type ApiResource, type KubeClient, listJsonPages, objectPath } from '../../kube/index.ts';
import type { KubeObject } from '../../model/index.ts';
import { runBounded } from '../../concurrency/index.ts';
import type { ItemFacts, PlanTarget, WebhookInfo } from '../plan/index.ts';

interface List {
  items?: KubeObject[];
}

async function names(client: KubeClient, path: string): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const items of listJsonPages<KubeObject>(client, path, { limit: 500 }))
    items.forEach((i) => out.add(i.metadata.name));
  return out;
}

/** Objects every namespace has from the start: not counted as "already holding objects". */
const DEFAULT_OBJECTS = new Set(['configmaps|kube-root-ca.crt', 'serviceaccounts|default']);

/**
 * What the plan needs from the target before it is built: its namespaces, StorageClasses,
 * admission webhooks, and how many objects the namespaces the restore writes into already hold.
 */
export async function inspectTarget(
  client: KubeClient,
  served: readonly ApiResource[],
  facts: ReadonlyMap<string, readonly ItemFacts[]>,
  namespaceMapping: ReadonlyMap<string, string>,
): Promise<PlanTarget> {
  const existingNamespaces = await names(client, '/api/v1/namespaces');
  const storageClasses = served.some((r) => r.groupResource === 'storageclasses.storage.k8s.io')
    ? await names(client, '/apis/storage.k8s.io/v1/storageclasses')
    : new Set<string>();
  const targets = new Set<string>();
  for (const list of facts.values()) {
    for (const f of list)
      if (f.namespace !== undefined) targets.add(namespaceMapping.get(f.namespace) ?? f.namespace);
  }
  const occupiedNamespaces = new Map<string, number>();
  const namespaced = served.filter(
    (r) => r.namespaced && facts.has(r.groupResource) && r.verbs.includes('list'),
  );
  for (const ns of [...targets].filter((n) => existingNamespaces.has(n))) {
    let count = 0;
    await runBounded(
      namespaced,
      8,
      () => false,
      async (r) => {
        const page = await client
          .json<List>({ path: objectPath(r.groupResource, r.apiVersion, ns), query: { limit: 100 } })
          .catch((): List => ({ items: [] }));
        count += (page.items ?? []).filter(
          (o) => !DEFAULT_OBJECTS.has(`${r.groupResource}|${o.metadata.name}`),
        ).length;
      },
    );
    occupiedNamespaces.set(ns, count);
  }
  return { served, existingNamespaces, storageClasses, occupiedNamespaces, webhooks: await webhooks(client) };
}

interface WebhookConfiguration extends KubeObject {
  webhooks?: {
    name: string;
    failurePolicy?: string;
    rules?: { operations?: string[]; apiGroups?: string[]; resources?: string[] }[];
  }[];
}

async function webhooks(client: KubeClient): Promise<WebhookInfo[]> {
  const out: WebhookInfo[] = [];
  for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'] as const) {
    const plural =
      kind === 'ValidatingWebhookConfiguration'
        ? 'validatingwebhookconfigurations'
        : 'mutatingwebhookconfigurations';
    const list = await client
      .json<{ items?: WebhookConfiguration[] }>({ path: `/apis/admissionregistration.k8s.io/v1/${plural}` })
      .catch(() => ({ items: [] }));
    for (const config of list.items ?? []) {
      for (const hook of config.webhooks ?? []) {
        const rules = (hook.rules ?? [])
          .filter((r) => (r.operations ?? []).some((op) => op === '*' || op === 'CREATE' || op === 'UPDATE'))
          .map((r) => ({ apiGroups: r.apiGroups ?? [], resources: r.resources ?? [] }));
        if (rules.length === 0) continue;
        out.push({
          configuration: config.metadata.name,
          kind,
          webhook: hook.name,
          failurePolicy: hook.failurePolicy ?? 'Fail',
          rules,
        });
      }
    }
  }
  return out;
}
