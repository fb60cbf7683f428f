import { getOrUndefined, type KubeClient, objectPath } from '../../kube/index.ts';
import type { Logger } from '../../log/index.ts';
import { type KubeObject, nullObject, VeleroLabels } from '../../model/index.ts';
import { differences, mergePatchTowards } from './differences.ts';
import { describeFailure, isAdmissionCacheLag, isAlreadyExists } from './kube-ops.ts';
import type { PlannedItem } from '../plan/index.ts';
import type { PreparedItems } from './prepared.ts';
import type { ItemResult, RestoreResults } from './results.ts';
import { namespaceMessage } from '../../results/index.ts';

export interface ApplyContext {
  client: KubeClient;
  /** The items as the inventory prepared them (once). */
  prepared: PreparedItems;
  policy: 'none' | 'update';
  results: RestoreResults;
  logger: Logger;
  /** Backed-up objects by path (the namespaces' own objects are read from here). */
  readItem: (path: string) => Promise<KubeObject>;
  /** Called with each object this restore created (e.g. a pod whose volume data is then asked for). */
  afterCreate?: ((created: KubeObject, item: PlannedItem) => Promise<void>) | undefined;
  /** Called with each object found already in the cluster (e.g. a pod an interrupted run created). */
  afterExisting?: ((found: KubeObject, item: PlannedItem) => Promise<void>) | undefined;
  /** Pauses before retrying a create refused for an admission cache's lag (tests shorten them). */
  admissionRetriesMs?: readonly number[] | undefined;
}

const MERGE_PATCH = 'application/merge-patch+json';

/**
 * Restores one planned item (spec §5.5 steps 8–11): create; if it exists, compare and skip,
 * warn or update per the existing-resource policy; then the status when asked for.
 */
export async function applyItem(item: PlannedItem, ctx: ApplyContext): Promise<ItemResult> {
  const id = `${item.groupResource}/${item.targetNamespace ? `${item.targetNamespace}/` : ''}${item.name}`;
  const ns = item.targetNamespace;
  const record = (result: ItemResult, name = item.name) => {
    ctx.results.record(item.apiVersion, item.kind, ns, name, result);
    return result;
  };
  let desired: KubeObject;
  let status: unknown;
  try {
    const prepared = await ctx.prepared.get(item.path);
    if (prepared === undefined) throw new Error(`${item.path} was not prepared`);
    for (const w of prepared.warnings) ctx.results.warning(namespaceMessage(ns, w));
    if (prepared.skip) {
      ctx.logger.info({ item: id, reason: prepared.skip.reason }, `skipped ${id}: ${prepared.skip.reason}`);
      return record('skipped');
    }
    desired = prepared.object;
    status = prepared.status;
  } catch (err) {
    ctx.results.error(namespaceMessage(ns, `error preparing ${id}: ${describeFailure(err).message}`));
    return record('failed');
  }
  const collection = objectPath(item.groupResource, item.apiVersion, ns);
  try {
    const created = await createObject(ctx, collection, desired);
    if (status !== undefined) await restoreStatus(ctx, item, created, status, id);
    ctx.logger.debug({ item: id }, `created ${id}`);
    await ctx.afterCreate?.(created, item).catch((err: unknown) => {
      ctx.results.error(namespaceMessage(ns, `after creating ${id}: ${describeFailure(err).message}`));
    });
    return record('created', created.metadata.name);
  } catch (err) {
    if (!isAlreadyExists(err)) return failed(ctx, item, id, err, record);
  }
  return existing(ctx, item, desired, id, record);
}

/** Pauses between creates an admission plugin refused for its cache's lag (about 3 s in all). */
const ADMISSION_LAG_RETRIES_MS = [100, 200, 400, 800, 1600];

/** POSTs the object; a refusal for an admission cache's lag (see isAdmissionCacheLag) is retried. */
async function createObject(ctx: ApplyContext, collection: string, desired: KubeObject): Promise<KubeObject> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await ctx.client.json<KubeObject>({ method: 'POST', path: collection, body: desired });
    } catch (err) {
      const pause = (ctx.admissionRetriesMs ?? ADMISSION_LAG_RETRIES_MS)[attempt];
      if (!isAdmissionCacheLag(err) || pause === undefined) throw err;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

function failed(
  ctx: ApplyContext,
  item: PlannedItem,
  id: string,
  err: unknown,
  record: (r: ItemResult) => ItemResult,
): ItemResult {
  const { message, hint } = describeFailure(err);
  const text = `error restoring ${id}: ${message}${hint ? ` (hint: ${hint})` : ''}`;
  ctx.results.error(namespaceMessage(item.targetNamespace, text));
  ctx.logger.error({ item: id }, text);
  return record('failed');
}

async function existing(
  ctx: ApplyContext,
  item: PlannedItem,
  desired: KubeObject,
  id: string,
  record: (r: ItemResult) => ItemResult,
): Promise<ItemResult> {
  const path = objectPath(item.groupResource, item.apiVersion, item.targetNamespace, item.name);
  let inCluster: KubeObject | undefined;
  try {
    inCluster = await getOrUndefined<KubeObject>(ctx.client, { path });
  } catch (err) {
    return failed(ctx, item, id, err, record);
  }
  if (inCluster === undefined) {
    ctx.results.warning(
      namespaceMessage(item.targetNamespace, `could not restore ${id}: it exists but could not be read back`),
    );
    return record('failed');
  }
  await ctx.afterExisting?.(inCluster, item).catch((err: unknown) => {
    ctx.results.error(
      namespaceMessage(item.targetNamespace, `after finding ${id}: ${describeFailure(err).message}`),
    );
  });
  const diffs = differences(desired, inCluster);
  if (diffs.length === 0) {
    if (ctx.policy === 'update') await patchLabels(ctx, path, desired, inCluster);
    ctx.logger.info(
      { item: id },
      `${id} skipped: it already exists in the cluster and is the same as the backed up version`,
    );
    return record('skipped');
  }
  if (ctx.policy !== 'update') {
    ctx.results.warning(
      namespaceMessage(
        item.targetNamespace,
        `could not restore, ${item.kind} "${item.name}" already exists. Warning: the in-cluster version is different than the backed-up version`,
      ),
    );
    ctx.logger.warn({ item: id, differences: diffs }, `${id} exists and differs from the backup`);
    return record('failed');
  }
  try {
    const patch = mergePatchTowards(desired, inCluster);
    if (patch !== undefined) {
      await ctx.client.text({ method: 'PATCH', path, body: patch, contentType: MERGE_PATCH });
    }
    return record('updated');
  } catch (err) {
    const { message, hint } = describeFailure(err);
    ctx.results.warning(
      namespaceMessage(
        item.targetNamespace,
        `could not update ${id}: ${message}${hint ? ` (hint: ${hint})` : ''}`,
      ),
    );
    await patchLabels(ctx, path, desired, inCluster);
    return record('failed');
  }
}

/** With policy update, an existing object gets this restore's labels. */
async function patchLabels(
  ctx: ApplyContext,
  path: string,
  desired: KubeObject,
  inCluster: KubeObject,
): Promise<void> {
  const want = desired.metadata.labels ?? {};
  const have = inCluster.metadata.labels ?? {};
  const keys = [VeleroLabels.backupName, VeleroLabels.restoreName];
  if (keys.every((k) => have[k] === want[k])) return;
  const labels = nullObject(keys.map((k) => [k, want[k] ?? null] as const));
  try {
    await ctx.client.text({
      method: 'PATCH',
      path,
      body: { metadata: { labels } },
      contentType: MERGE_PATCH,
    });
  } catch (err) {
    ctx.results.warning(
      namespaceMessage(
        inCluster.metadata.namespace,
        `could not label ${path}: ${describeFailure(err).message}`,
      ),
    );
  }
}

/** Puts the backed-up status on the created object (status subresource), retrying once on conflict. */
async function restoreStatus(
  ctx: ApplyContext,
  item: PlannedItem,
  created: KubeObject,
  status: unknown,
  id: string,
): Promise<void> {
  const path = `${objectPath(item.groupResource, item.apiVersion, item.targetNamespace, created.metadata.name)}/status`;
  let current = created;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await ctx.client.text({ method: 'PUT', path, body: { ...current, status } });
      return;
    } catch (err) {
      const fresh =
        attempt === 0
          ? await getOrUndefined<KubeObject>(ctx.client, { path: path.slice(0, -'/status'.length) }).catch(
              () => undefined,
            )
          : undefined;
      if (fresh === undefined) {
        ctx.results.warning(
          namespaceMessage(
            item.targetNamespace,
            `could not restore the status of ${id}: ${describeFailure(err).message}`,
          ),
        );
        return;
      }
      current = fresh;
    }
  }
}
