import { type KubeClient, listJsonPages, objectPath } from '../../kube/index.ts';
import type { KubeObject } from '../../model/index.ts';
import { differences, type PreparedItems } from '../apply/index.ts';
import type { Existence, PlannedItem, RestorePlan } from '../plan/index.ts';

export interface ItemVerdict {
  item: PlannedItem;
  existence: Existence;
  differences: string[];
}

/**
 * Compares every planned item with the target: the desired object is the one the restorer would
 * create (as the inventory prepared it), and this checks the in-cluster object holds every field of it. One LIST per resource
 * and namespace; only the planned names are kept.
 */
export async function compareWithTarget(
  plan: RestorePlan,
  options: {
    client: KubeClient;
    prepared: PreparedItems;
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
        const prepared = await options.prepared.get(item.path);
        const diffs = prepared === undefined ? ['not prepared'] : differences(prepared.object, inCluster);
        options.onVerdict({
          item,
          existence: diffs.length === 0 ? 'identical' : 'different',
          differences: diffs,
        });
      }
    }
  }
}
