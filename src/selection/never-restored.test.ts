import { describe, expect, it } from 'vitest';
import { isNeverRestoredKind, NEVER_RESTORED } from './never-restored.ts';

describe('never-restored resources', () => {
  it('lists the group-resources in Velero order', () => {
    expect(NEVER_RESTORED).toEqual([
      'nodes',
      'events',
      'events.events.k8s.io',
      'backups.velero.io',
      'restores.velero.io',
      'resticrepositories.velero.io',
      'csinodes.storage.k8s.io',
      'volumeattachments.storage.k8s.io',
      'backuprepositories.velero.io',
    ]);
  });

  it('knows the same resources by their resource-list keys', () => {
    for (const key of ['v1/Node', 'v1/Event', 'events.k8s.io/v1/Event', 'velero.io/v1/BackupRepository'])
      expect(isNeverRestoredKind(key)).toBe(true);
    for (const key of ['v1/ConfigMap', 'apps/v1/Deployment', 'v1/__proto__', 'constructor'])
      expect(isNeverRestoredKind(key)).toBe(false);
  });
});
