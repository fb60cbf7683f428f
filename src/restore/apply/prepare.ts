import {
  child,
  type ItemRef,
  type RestoreActionContext,
  restoreActionsFor,
  str,
} from '../../actions/index.ts';
import { excludedByLabel, type KubeObject, VeleroLabels } from '../../model/index.ts';
import { addRestoreLabels, cloneJson, resetMetadataAndStatus } from './metadata.ts';
import { decidePv, remapClaimRef, resetVolumeBindingInfo, type VolumeEvidence } from './volumes.ts';
import type { SkipReason } from '../plan/index.ts';

export interface PrepareContext extends RestoreActionContext {
  /** PVs left to dynamic provisioning: their PVCs lose spec.volumeName. */
  pvsToProvision: ReadonlySet<string>;
  volumes: VolumeEvidence;
  /** --restore-status: whether the status of this resource's items is restored. */
  restoresStatus(groupResource: string): boolean;
}

/** An item ready to create, or why it is not restored. */
export interface PreparedItem {
  /** The object to create: metadata reset, actions run, namespace mapped, restore labels added. */
  object: KubeObject;
  /** The backed-up status, set when it is to be restored (a status update after the create). */
  status?: unknown;
  skip?: SkipReason;
  additionalItems: ItemRef[];
  warnings: string[];
}

const STATUS_ANNOTATION = 'velero.io/restore-status';

/** Skips that depend on the backed-up item alone (spec §5.2, §5.5 step 2). */
export function intrinsicSkip(groupResource: string, item: KubeObject): SkipReason | undefined {
  if (excludedByLabel(item.metadata.labels)) {
    return { code: 'excluded-by-label', reason: `labelled ${VeleroLabels.excludeFromBackup}=true` };
  }
  if (groupResource === 'configmaps' && item.metadata.name === 'kube-root-ca.crt') {
    return {
      code: 'cluster-managed',
      reason: "the target cluster's controller manager publishes its own root CA in every namespace",
    };
  }
  if (
    groupResource === 'endpointslices.discovery.k8s.io' &&
    item.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] === 'endpointslice-controller.k8s.io'
  ) {
    return {
      code: 'cluster-managed',
      reason: "the target's EndpointSlice controller makes it from the Service",
    };
  }
  const status = child(item, 'status');
  if (groupResource === 'pods') {
    if (item.metadata.annotations?.['kubernetes.io/config.mirror'] !== undefined) {
      return { code: 'mirror-pod', reason: 'mirror pod: the kubelet of its node creates it' };
    }
    const phase = str(status, 'phase');
    if (phase === 'Succeeded' || phase === 'Failed') {
      return { code: 'completed', reason: `pod has completed (phase ${phase})` };
    }
  }
  if (groupResource === 'jobs.batch' && (str(status, 'completionTime') ?? '') !== '') {
    return { code: 'completed', reason: 'job has completed' };
  }
  return undefined;
}

/**
 * Velero's per-item processing (spec §5.5): completed/mirror checks, PV handling, metadata and
 * status reset, restore item actions, PVC binding reset, namespace mapping and restore labels.
 * Pure: `item` (as read from the backup) is not changed.
 */
export function prepareItem(
  item: KubeObject,
  groupResource: string,
  targetNamespace: string | undefined,
  context: PrepareContext,
): PreparedItem {
  const warnings: string[] = [];
  const additionalItems: ItemRef[] = [];
  const object = cloneJson(item);
  const skipped = (skip: SkipReason): PreparedItem => ({ object, skip, additionalItems, warnings });
  const intrinsic = intrinsicSkip(groupResource, item);
  if (intrinsic) return skipped(intrinsic);
  if (groupResource === 'persistentvolumes') {
    const decision = decidePv(item, context.volumes);
    if (decision.kind === 'provision') return skipped({ code: 'provisioned', reason: decision.reason });
    if (decision.warning) warnings.push(decision.warning);
    remapClaimRef(object, context.namespaceMapping);
    resetVolumeBindingInfo(object);
  }
  const status = resetMetadataAndStatus(object);
  let current = object;
  for (const action of restoreActionsFor(groupResource)) {
    const result = action.execute(current, context, item);
    if (result.skip !== undefined)
      return skipped({ code: 'action', reason: `${action.name}: ${result.skip}` });
    current = result.item;
    additionalItems.push(...(result.additionalItems ?? []));
  }
  if (groupResource === 'persistentvolumeclaims') resetClaimBinding(current, context.pvsToProvision);
  if (targetNamespace !== undefined) current.metadata.namespace = targetNamespace;
  else delete current.metadata.namespace;
  addRestoreLabels(current, context.backupName, context.restoreName);
  const prepared: PreparedItem = { object: current, additionalItems, warnings };
  if (status !== undefined && restoresStatus(item, groupResource, context)) prepared.status = status;
  return prepared;
}

function resetClaimBinding(pvc: KubeObject, pvsToProvision: ReadonlySet<string>): void {
  const spec = child(pvc, 'spec');
  const volumeName = str(spec, 'volumeName');
  if (!spec || !volumeName) return;
  resetVolumeBindingInfo(pvc);
  if (pvsToProvision.has(volumeName)) delete spec['volumeName'];
}

/** The restore-status filter, overridden per object by the velero.io/restore-status annotation. */
function restoresStatus(item: KubeObject, groupResource: string, context: PrepareContext): boolean {
  const annotation = item.metadata.annotations?.[STATUS_ANNOTATION]?.trim().toLowerCase();
  if (annotation === 'true') return true;
  if (annotation === 'false') return false;
  return context.restoresStatus(groupResource);
}
