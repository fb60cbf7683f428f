import { describe, expect, it } from 'vitest';
import { BackupStore, MemoryObjectStore } from '../../store/index.ts';
import type { Location } from '../../model/index.ts';
import { clusterLocation, clusterScope } from './cluster-location.ts';

const location = (prefix?: string): Location => ({
  name: 'fs',
  provider: 'filesystem',
  objectStorage: { bucket: '/b', ...(prefix === undefined ? {} : { prefix }) },
  config: {},
  default: true,
  accessMode: 'ReadWrite',
});

describe("a cluster's prefix in its location", () => {
  it('is clusters/<name> after the location prefix, or its own prefix', () => {
    expect(clusterLocation(location(), { name: 'prod-a' }).objectStorage.prefix).toBe('clusters/prod-a');
    expect(clusterLocation(location('/velero/'), { name: 'prod-a' }).objectStorage.prefix).toBe(
      'velero/clusters/prod-a',
    );
    expect(clusterLocation(location('velero'), { name: 'x', prefix: 'site/x/' }).objectStorage.prefix).toBe(
      'velero/site/x',
    );
  });

  it("puts a backup's keys under the prefix, where a Velero with that BSL prefix reads them", () => {
    const prefix = clusterLocation(location('velero'), { name: 'prod-a' }).objectStorage.prefix;
    const store = new BackupStore(new MemoryObjectStore(), prefix ?? '');
    expect(store.layout.backupMetadataKey('nightly-1')).toBe(
      'velero/clusters/prod-a/backups/nightly-1/velero-backup.json',
    );
  });

  it('resolves a configured cluster, a discovered one by its default scope, and refuses an unknown one', () => {
    const config = {
      path: '/c.yaml',
      clusters: [{ name: 'a', kubeconfig: '/k', location: 's3', prefix: 'p/a', uid: 'u' }],
    };
    expect(clusterScope(config, 'a')).toEqual({ name: 'a', location: 's3', prefix: 'p/a', uid: 'u' });
    expect(() => clusterScope(config, 'b')).toThrow(/no cluster named 'b'/);
    const fleet = { ...config, fleet: { managementCluster: 'a', discover: { clusterApi: true } } };
    expect(clusterScope(fleet, 'b')).toEqual({ name: 'b' });
  });
});
