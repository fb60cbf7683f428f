/**
 * Resources Velero never restores (nonRestorableResources, spec §5.2): each as the group-resource
 * the restore plan skips and as the `<apiVersion>/<Kind>` of the resource list, which the standby
 * check need not find served.
 */
const NON_RESTORABLE: readonly { groupResource: string; kind: string }[] = [
  { groupResource: 'nodes', kind: 'v1/Node' },
  { groupResource: 'events', kind: 'v1/Event' },
  { groupResource: 'events.events.k8s.io', kind: 'events.k8s.io/v1/Event' },
  { groupResource: 'backups.velero.io', kind: 'velero.io/v1/Backup' },
  { groupResource: 'restores.velero.io', kind: 'velero.io/v1/Restore' },
  { groupResource: 'resticrepositories.velero.io', kind: 'velero.io/v1/ResticRepository' },
  { groupResource: 'csinodes.storage.k8s.io', kind: 'storage.k8s.io/v1/CSINode' },
  { groupResource: 'volumeattachments.storage.k8s.io', kind: 'storage.k8s.io/v1/VolumeAttachment' },
  { groupResource: 'backuprepositories.velero.io', kind: 'velero.io/v1/BackupRepository' },
];

/** The never-restored group-resources (`nodes`, `events.events.k8s.io`, …). */
export const NEVER_RESTORED: readonly string[] = NON_RESTORABLE.map((r) => r.groupResource);

const NEVER_RESTORED_KINDS: ReadonlySet<string> = new Set(NON_RESTORABLE.map((r) => r.kind));

/** Whether a resource-list key (`<apiVersion>/<Kind>`, e.g. `v1/Node`) names a never-restored kind. */
export function isNeverRestoredKind(key: string): boolean {
  return NEVER_RESTORED_KINDS.has(key);
}
