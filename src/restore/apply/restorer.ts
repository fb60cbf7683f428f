import { getOrUndefined, type KubeClient } from '../../kube/index.ts';
import type { Logger } from '../../log/index.ts';
import type { KubeObject } from '../../model/index.ts';
import { applyItem, type ApplyContext } from './apply-item.ts';
import { describeFailure, isAlreadyExists, waitForCrd } from './kube-ops.ts';
import { runBounded } from '../../concurrency/index.ts';
import { namespaceFromBackup } from './metadata.ts';
import {
  CRD_RESOURCE,
  type PlannedItem,
  type PlannedNamespace,
  type PlanStep,
  type RestorePlan,
} from '../plan/index.ts';
import type { PreparedItems } from './prepared.ts';
import { RestoreResults } from './results.ts';
import { namespaceMessage, veleroMessage } from '../../results/index.ts';

export interface RestoreProgress {
  resource: string;
  tier: string;
  /** Items processed so far (all steps), and planned in all. */
  done: number;
  total: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
}

export interface RestorerOptions {
  client: KubeClient;
  /** The items as the inventory prepared them (once). */
  prepared: PreparedItems;
  policy: 'none' | 'update';
  logger: Logger;
  readItem: (path: string) => Promise<KubeObject>;
  /** Items restored at once inside a step, and namespaces created at once (default 32). */
  parallelism?: number;
  /** Called once the CRDs are established: refresh anything cached about served APIs. */
  afterCrds?: () => Promise<void>;
  onProgress?: (p: RestoreProgress) => void;
  /** Called with each object the restore created. */
  afterCreate?: ApplyContext['afterCreate'];
  /** Called with each object the restore found already there. */
  afterExisting?: ApplyContext['afterExisting'];
  signal?: AbortSignal;
  crdTimeoutMs?: number;
}

export interface RestoreOutcome {
  results: RestoreResults;
  /** True when the signal stopped the restore before every step ran. */
  interrupted: boolean;
}

/** Default number of items restored at once inside a step (`--parallelism`). */
export const DEFAULT_PARALLELISM = 32;

/**
 * Applies a plan: CRDs first (awaited until Established), then the namespaces, then every other
 * step in order, items of a step in parallel with bounded concurrency. Per-item failures go into
 * the results; only an abort stops early (what was done is in the results).
 */
export async function applyPlan(plan: RestorePlan, options: RestorerOptions): Promise<RestoreOutcome> {
  const results = new RestoreResults();
  const ctx: ApplyContext = { ...options, results };
  const parallelism = options.parallelism ?? DEFAULT_PARALLELISM;
  const total =
    plan.totals.create +
    plan.totals.update +
    plan.totals['exists-identical'] +
    plan.totals['exists-different'];
  let done = 0;
  const progress = (step: PlanStep | undefined) =>
    options.onProgress?.({
      resource: step?.groupResource ?? 'namespaces',
      tier: step?.tier ?? 'high',
      done,
      total,
      ...results.counts,
    });
  const aborted = () => options.signal?.aborted === true;
  let namespacesDone = false;
  for (const step of plan.steps) {
    if (step.tier !== 'crds' && !namespacesDone) {
      if (aborted()) return { results, interrupted: true };
      await ensureNamespaces(plan.namespaces, ctx, parallelism);
      namespacesDone = true;
      done += plan.namespaces.length;
      progress(undefined);
    }
    for (const item of step.items) {
      if (item.skipCode === 'not-served' || item.skipCode === 'refused') notRestorable(item, results);
    }
    if (step.groupResource === 'namespaces') continue;
    const items = step.items.filter((i) => i.action !== 'skip');
    await runBounded(items, parallelism, aborted, async (item) => {
      await applyItem(item, ctx);
      done++;
      progress(step);
    });
    if (aborted()) return { results, interrupted: true };
    if (step.groupResource === CRD_RESOURCE) await awaitCrds(items, ctx, options);
  }
  if (!namespacesDone && !aborted()) await ensureNamespaces(plan.namespaces, ctx, parallelism);
  return { results, interrupted: aborted() };
}

/** A planned item that cannot be restored (not served, or refused) is an error under its namespace. */
function notRestorable(item: PlannedItem, results: RestoreResults): void {
  results.error(
    namespaceMessage(
      item.targetNamespace,
      `error restoring ${item.groupResource}/${item.targetNamespace ? `${item.targetNamespace}/` : ''}${item.name}: ${item.reason ?? item.skipCode ?? ''} (hint: ${item.hint ?? ''})`,
    ),
  );
  results.record(item.apiVersion, item.kind, item.targetNamespace, item.name, 'failed');
}

async function awaitCrds(
  items: readonly PlannedItem[],
  ctx: ApplyContext,
  options: RestorerOptions,
): Promise<void> {
  await Promise.all(
    items.map(async (crd) => {
      const ok = await waitForCrd(ctx.client, crd.name, {
        timeoutMs: options.crdTimeoutMs,
        signal: options.signal,
      }).catch(() => false);
      if (!ok && !options.signal?.aborted) {
        ctx.results.error(
          namespaceMessage(
            undefined,
            `the CRD ${crd.name} is not available to use for custom resources (not Established in time)`,
          ),
        );
      }
    }),
  );
  await options.afterCrds?.();
}

/** Creates the target namespaces (from the backed-up object: labels, annotations, spec only). */
async function ensureNamespaces(
  namespaces: readonly PlannedNamespace[],
  ctx: ApplyContext,
  parallelism: number,
): Promise<void> {
  await runBounded(
    namespaces,
    parallelism,
    () => false,
    async (ns) => {
      let fromBackup: KubeObject | undefined;
      if (ns.path !== undefined) fromBackup = await ctx.readItem(ns.path).catch(() => undefined);
      try {
        await ctx.client.text({
          method: 'POST',
          path: '/api/v1/namespaces',
          body: namespaceFromBackup(ns.name, fromBackup),
        });
        ctx.results.record('v1', 'Namespace', undefined, ns.name, 'created');
      } catch (err) {
        if (isAlreadyExists(err)) {
          await waitIfTerminating(ctx, ns.name);
          return;
        }
        ctx.results.error(
          veleroMessage(`error creating namespace ${ns.name}: ${describeFailure(err).message}`),
        );
      }
    },
  );
}

async function waitIfTerminating(ctx: ApplyContext, name: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ns = await getOrUndefined<KubeObject>(ctx.client, {
      path: `/api/v1/namespaces/${encodeURIComponent(name)}`,
    });
    const phase = (ns?.['status'] as { phase?: string } | undefined)?.phase;
    if (phase !== 'Terminating') return;
    await new Promise((r) => setTimeout(r, 500));
  }
  ctx.results.error(veleroMessage(`namespace ${name} is still terminating after ${timeoutMs / 1000}s`));
}
