import type { KubeObject } from '../model/index.ts';

/** An object another one depends on: backed up with it (Velero's additional items). */
export interface ItemRef {
  groupResource: string;
  namespace?: string;
  name: string;
}

/** What an action may look up while it runs; lists are cached for the whole backup. */
export interface BackupActionContext {
  /** Every object of a served type (empty when the type is not served). */
  listAll(groupResource: string): Promise<readonly KubeObject[]>;
}

export interface BackupActionResult {
  /** The item to store: the very object given when unchanged, else a new one (the given item is never modified). */
  item: KubeObject;
  additionalItems: ItemRef[];
}

/** A backup item action (Velero's BackupItemAction): runs on each item of the types it applies to. */
export interface BackupItemAction {
  /** Registered name, e.g. "velero.io/pod". */
  name: string;
  /** Group-resources it applies to, e.g. ["pods"]. */
  appliesTo: readonly string[];
  /**
   * The group-resources its additional items can be. When every one of them is collected by the
   * backup's own listing anyway (whole types, every namespace, no label selector), an action that
   * never changes its item has nothing to add and is not run.
   */
  pullsIn: readonly string[];
  /** Whether it may return a changed item (then it always runs). */
  changesItem: boolean;
  execute(item: KubeObject, context: BackupActionContext): Promise<BackupActionResult>;
}
