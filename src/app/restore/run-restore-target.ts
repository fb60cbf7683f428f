import { type ApiResource, type KubeClient, listJsonPages, objectPath } from '../../kube/index.ts';
import type { KubeObject } from '../../model/index.ts';
import {
  differences,
  type Existence,
  type ItemFacts,
  type PlannedItem,
  type PlanTarget,
  type PrepareContext,
  prepareItem,
  type RestorePlan,
  type WebhookInfo,
} from '../../restore/index.ts';
import { runBounded } from '../../concurrency/index.ts';

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

export interface ItemVerdict {
  item: PlannedItem;
  existence: Existence;
  differences: string[];
}

/**
 * Compares every planned item with the target: prepares the desired object exactly as the
 * restorer would, and checks the in-cluster object holds every field of it. One LIST per resource
 * and namespace; only the planned names are kept.
 */
export async function compareWithTarget(
  plan: RestorePlan,
  options: {
    client: KubeClient;
    prepare: PrepareContext;
    readItem: (path: string) => Promise<KubeObject>;
    onVerdict(verdict: ItemVerdict): void;
    include?: (item: PlannedItem) => boolean;
  },
): Promise<void> {
  for (const step of plan.steps) {
    if (step.groupResource === 'namespaces') continue;
    const groups = new Map<string, PlannedItem[]>();
    for (const item of step.items) {
      if (item.action === 'skip' || (options.include && !options.include(item))) continue;
      const k = `${item.apiVersion}|${item.targetNamespace ?? ''}`;
      groups.set(k, [...(groups.get(k) ?? []), item]);
    }
    for (const items of groups.values()) {
      const first = items[0]!;
      const wanted = new Set(items.map((i) => i.name));
      const found = new Map<string, KubeObject>();
      const path = objectPath(step.groupResource, first.apiVersion, first.targetNamespace);
      try {
        for await (const page of listJsonPages<KubeObject>(options.client, path, { limit: 500 })) {
          for (const o of page) {
            if (!wanted.has(o.metadata.name)) continue;
            found.set(o.metadata.name, { ...o, apiVersion: first.apiVersion, kind: first.kind });
          }
        }
      } catch {
        // what could not be listed counts as absent
      }
      for (const item of items) {
        const inCluster = found.get(item.name);
        if (inCluster === undefined) {
          options.onVerdict({ item, existence: 'absent', differences: [] });
          continue;
        }
        const prepared = prepareItem(
          await options.readItem(item.path),
          item.groupResource,
          item.targetNamespace,
          options.prepare,
        );
        const diffs = differences(prepared.object, inCluster);
        options.onVerdict({
          item,
          existence: diffs.length === 0 ? 'identical' : 'different',
          differences: diffs,
        });
      }
    }
  }
}
