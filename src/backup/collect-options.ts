import type { Logger } from '../log/index.ts';
import type { LifeboatError } from '../errors/index.ts';
import type { ApiResource, KubeClient } from '../kube/index.ts';
import type { LabelSelector, ResourceList } from '../model/index.ts';
import type { BackupItemAction } from '../actions/index.ts';
import type { ItemBytes } from '../archive/index.ts';
import type { ResultsCollector } from '../results/index.ts';
import type { ItemWatch } from './item-watch.ts';
import type { MainListing } from './main-listing.ts';
import type { BackupScope } from './scope.ts';
import type { NamespacedListing } from './type-lists.ts';

/**
 * Where items go: the archive writer. Backpressure: addItem gives undefined when it can take more at
 * once, else a promise that resolves when it can; it throws when the item cannot be written.
 */
export interface ItemSink {
  addItem(item: {
    groupResource: string;
    namespace?: string;
    name: string;
    version: string;
    preferredVersion: string;
    /** The item's bytes; read during the call only (the caller may reuse them afterwards). */
    json: string | Buffer | ItemBytes;
  }): Promise<void> | undefined;
}

export interface BackupProgress {
  resource: string;
  itemsBackedUp: number;
  resourcesDone: number;
  resourcesTotal: number;
}

export interface CollectOptions {
  client: KubeClient;
  served: readonly ApiResource[];
  scope: BackupScope;
  /** The types listed and what they cover (built from the same scope, served types and selector). */
  listing: MainListing;
  labelSelector: LabelSelector | undefined;
  actions: readonly BackupItemAction[];
  sink: ItemSink;
  logger: Logger;
  pageSize?: number;
  onProgress?: (progress: BackupProgress) => void;
  /** Items others want to see as they pass (listed ones, and the additional items of their types). */
  watches?: readonly ItemWatch[];
  signal?: AbortSignal;
  /** Forces how namespaced types are listed for a namespace selection (tests, measurements). */
  namespacedListing?: NamespacedListing;
}

export interface CollectOutcome {
  itemsBackedUp: number;
  resourceList: ResourceList;
  /** Items per group-resource, for describe. */
  counts: Record<string, number>;
  results: ResultsCollector;
  /** Set when the cluster was lost mid-way: what was collected until then is still described. */
  fatal?: LifeboatError;
}
