import { describe, expect, it } from 'vitest';
import { BackupStore, MemoryObjectStore } from '../../store/index.ts';
import type { Logger } from '../../log/index.ts';
import { type Location, nullObject } from '../../model/index.ts';
import { clusterLocation, resolveClusterScope } from './cluster-scope.ts';
import type { Discovered } from './discover.ts';

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

  it('resolves a configured cluster, a discovered one with its own prefix, and refuses an unknown one', async () => {
    const config = {
      path: '/c.yaml',
      clusters: [{ name: 'a', kubeconfig: '/k', location: 's3', prefix: 'p/a', uid: 'u' }],
    };
    expect(await resolveClusterScope(config, 'a')).toEqual({
      name: 'a',
      location: 's3',
      prefix: 'p/a',
      uid: 'u',
    });
    await expect(resolveClusterScope(config, 'b')).rejects.toThrow(/no cluster named 'b'/);
    const fleet = {
      ...config,
      locations: [{ name: 'fs' }, { name: 's3', default: true }],
      fleet: { managementCluster: 'a', discover: { clusterApi: true } },
    };
    const found: Discovered = {
      candidates: [
        {
          name: 'w1',
          source: 'cluster-api',
          origin: 'cluster-api/fleet/w1',
          labels: nullObject<string>(),
          target: { kubeconfigData: { text: 'kubeconfig', source: 'cluster-api/fleet/w1' } },
          prefix: 'site/w1',
        },
      ],
      problems: [],
    };
    const discover = () => Promise.resolve(found);
    expect(await resolveClusterScope(fleet, 'w1', { discover })).toEqual({
      name: 'w1',
      location: undefined,
      prefix: 'site/w1',
      uid: undefined,
    });
    // Not discovered (gone from the management cluster, or it is down): the default scope.
    expect(await resolveClusterScope(fleet, 'gone', { discover })).toEqual({ name: 'gone' });
    const down = () => Promise.reject(new Error('connect ECONNREFUSED'));
    const warnings: string[] = [];
    const logger = { warn: (_o: unknown, m: string) => warnings.push(m) } as unknown as Logger;
    expect(await resolveClusterScope(fleet, 'w1', { discover: down, logger })).toEqual({ name: 'w1' });
    expect(warnings.join('\n')).toMatch(/discovery in management cluster 'a' failed.*default prefix/);
    // Its annotation names the configured cluster's prefix: refused, never its default folder instead.
    const sharing = () =>
      Promise.resolve({ ...found, candidates: found.candidates.map((c) => ({ ...c, prefix: 'p/a/' })) });
    await expect(resolveClusterScope(fleet, 'w1', { discover: sharing })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/cluster 'w1' would share the prefix p\/a with cluster 'a'/) as unknown,
    });
  });
});
