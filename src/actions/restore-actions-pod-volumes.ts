import type { RestoreItemAction } from './restore-action.ts';

/**
 * velero.io/pod-volume-restore (spec/volume-data.md §1.7): a pod whose volumes have a pod volume
 * backup starts with the restore-wait init container, so its application sees its data. Which
 * volumes and the container itself come from the restore (context.podVolumeRestore), which alone
 * knows the backup's PodVolumeBackups and the restore's UID; the action stays pure.
 */
export const podVolumeRestoreAction: RestoreItemAction = {
  name: 'velero.io/pod-volume-restore',
  appliesTo: ['pods'],
  execute(item, context, fromBackup) {
    return { item: context.podVolumeRestore ? context.podVolumeRestore(item, fromBackup) : item };
  },
};
