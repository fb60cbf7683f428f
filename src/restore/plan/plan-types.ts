import type { ItemRef } from '../../actions/index.ts';
import type { ApiResource } from '../../kube/index.ts';
import type { PriorityTier } from './priorities.ts';
import type { NameFilter } from '../../selection/index.ts';
import type { Finding } from '../../results/index.ts';

/** The include/exclude filter is selection's; the plan only asks it yes or no. */
export type { NameFilter };

/** Why an item is not restored. */
export type SkipCode =
  | 'filtered'
  | 'never-restored'
  | 'completed'
  | 'mirror-pod'
  | 'excluded-by-label'
  | 'cluster-managed'
  | 'action'
  | 'provisioned'
  | 'not-served'
  /** The item file is unreadable or disagrees with its path: an error of the restore. */
  | 'refused';

export interface SkipReason {
  code: SkipCode;
  reason: string;
  hint?: string;
}

/** What a CRD in the backup will make the target serve. */
export interface CrdFacts {
  groupResource: string;
  group: string;
  kind: string;
  versions: string[];
  namespaced: boolean;
}

/** What the plan needs to know of one backed-up item (read once from the archive). */
export interface ItemFacts {
  groupResource: string;
  /** Original namespace; absent for cluster-scoped items. */
  namespace?: string;
  name: string;
  /** Classic path in the extracted archive. */
  path: string;
  apiVersion: string;
  kind: string;
  /** Backed-up labels (the label selector matches these). */
  labels: Record<string, string>;
  /** Set when the item itself is not restorable (completed, mirror pod, an action said so, …). */
  skip?: SkipReason;
  additionalItems: readonly ItemRef[];
  /** StorageClass a PVC or PV will ask for, after --storage-class-mappings. */
  storageClass?: string;
  crd?: CrdFacts;
  restoreStatus: boolean;
  /**
   * Why the item is refused (names its path): unreadable, too deep, or its content disagrees with
   * its path. Only the path's facts (resource, namespace, name) are then to be trusted.
   */
  refused?: string;
}

export interface RestorePlanRequest {
  namespaces: NameFilter;
  resources: NameFilter;
  labelSelector?: ((labels: Readonly<Record<string, string>>) => boolean) | undefined;
  /** true, false, or undefined = auto (cluster-scoped items only when every namespace is restored). */
  includeClusterResources?: boolean | undefined;
  namespaceMapping: ReadonlyMap<string, string>;
  existingResourcePolicy: 'none' | 'update';
}

export interface WebhookInfo {
  configuration: string;
  kind: 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration';
  webhook: string;
  failurePolicy: string;
  /** `group/resource` pairs its CREATE rules match, `*` allowed. */
  rules: { apiGroups: string[]; resources: string[] }[];
}

export type Existence = 'absent' | 'identical' | 'different';

/** What the target cluster serves and holds. Only `served` is required. */
export interface PlanTarget {
  served: readonly ApiResource[];
  existingNamespaces?: ReadonlySet<string>;
  /** Target namespaces that exist → how many objects (other than the defaults) they already hold. */
  occupiedNamespaces?: ReadonlyMap<string, number>;
  storageClasses?: ReadonlySet<string>;
  webhooks?: readonly WebhookInfo[];
  /** Whether a planned item already exists in the target, and how it compares. */
  existing?: (item: PlannedItem) => Existence | undefined;
}

export type PlanAction = 'create' | 'skip' | 'exists-identical' | 'exists-different' | 'update';

export interface PlannedItem {
  groupResource: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  targetNamespace?: string;
  name: string;
  path: string;
  action: PlanAction;
  reason?: string;
  hint?: string;
  skipCode?: SkipReason['code'];
  restoreStatus?: boolean;
  /** Set on cluster-scoped items (the dry-run flags them). */
  clusterScoped?: true;
}

export interface PlanStep {
  tier: PriorityTier;
  groupResource: string;
  items: PlannedItem[];
}

export interface PlannedNamespace {
  /** Name in the target. */
  name: string;
  /** Name in the backup. */
  source: string;
  /** Backed-up namespace object (labels, annotations, spec) path, when the backup has one. */
  path?: string;
  action: 'create' | 'exists';
}

export type FindingKind =
  | 'api-not-served'
  | 'storage-class-missing'
  | 'namespace-not-empty'
  | 'admission-webhook'
  | 'additional-item-missing'
  | 'item-refused'
  | 'cluster-scoped';

/** A pre-flight finding: results' one Finding, with the pre-flight's codes; never `blocking` (the plan goes ahead). */
export type PreflightFinding = Finding<FindingKind, 'error' | 'warning' | 'info'>;

export interface PlanCounts {
  create: number;
  skip: number;
  'exists-identical': number;
  'exists-different': number;
  update: number;
}

export interface RestorePlan {
  steps: PlanStep[];
  namespaces: PlannedNamespace[];
  findings: PreflightFinding[];
  totals: PlanCounts;
  byResource: Record<string, PlanCounts>;
  byNamespace: Record<string, PlanCounts>;
}

export function emptyCounts(): PlanCounts {
  return { create: 0, skip: 0, 'exists-identical': 0, 'exists-different': 0, update: 0 };
}
