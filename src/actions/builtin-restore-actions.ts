import type { RestoreItemAction } from './restore-action.ts';
import {
  admissionWebhookRestoreAction,
  apiServiceRestoreAction,
  changeStorageClassAction,
  clusterRoleBindingRestoreAction,
  crdPreserveFieldsAction,
  pvcRestoreAction,
  roleBindingRestoreAction,
} from './restore-actions-cluster.ts';
import {
  jobRestoreAction,
  podRestoreAction,
  secretRestoreAction,
  serviceAccountRestoreAction,
  serviceRestoreAction,
} from './restore-actions-workloads.ts';
import { podVolumeRestoreAction } from './restore-actions-pod-volumes.ts';

/** The built-in restore item actions, in Velero's registration order. */
export const builtinRestoreActions: readonly RestoreItemAction[] = [
  jobRestoreAction,
  podRestoreAction,
  podVolumeRestoreAction,
  serviceRestoreAction,
  serviceAccountRestoreAction,
  changeStorageClassAction,
  roleBindingRestoreAction,
  clusterRoleBindingRestoreAction,
  crdPreserveFieldsAction,
  pvcRestoreAction,
  apiServiceRestoreAction,
  admissionWebhookRestoreAction,
  secretRestoreAction,
];

/** The actions that apply to a group-resource, in registration order. */
export function restoreActionsFor(groupResource: string): RestoreItemAction[] {
  return builtinRestoreActions.filter((a) => a.appliesTo.includes(groupResource));
}
