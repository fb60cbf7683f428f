import type { ItemRef } from '../actions/index.ts';
import type { ApiResource } from '../kube/index.ts';
import type { Logger } from '../log/index.ts';
import type { KubeObject } from '../model/index.ts';
import { itemMessage, type ResultsCollector } from '../results/index.ts';

/** A type the API server cannot list (there, or at all): an error of the backup, and a log line. */
export function listFailed(
  results: ResultsCollector,
  logger: Logger,
  resource: ApiResource,
  namespace: string | undefined,
  err: Error,
): void {
  results.error(
    itemMessage({
      namespace,
      resource: resource.groupResource,
      message: 'Error listing items',
      error: err.message,
    }),
  );
  logger.error({ resource: resource.groupResource, namespace, err }, `cannot list ${resource.groupResource}`);
}

/** An item action that failed on an item: an error of the backup; the item is still stored. */
export function actionFailed(
  results: ResultsCollector,
  resource: ApiResource,
  item: KubeObject,
  action: string,
  err: unknown,
): void {
  const ns = item.metadata.namespace ?? '';
  results.error(
    itemMessage({
      namespace: ns,
      cluster: ns === '',
      resource: resource.groupResource,
      name: item.metadata.name,
      message: `item action ${action} failed`,
      error: err instanceof Error ? err.message : String(err),
    }),
  );
}

/** An additional item the cluster would not give: a warning of the backup. */
export function additionalUnreadable(results: ResultsCollector, ref: ItemRef, err: Error): void {
  results.warning(
    itemMessage({
      namespace: ref.namespace,
      cluster: ref.namespace === undefined,
      resource: ref.groupResource,
      name: ref.name,
      message: 'cannot read additional item',
      error: err.message,
    }),
  );
}
