import { describe, expect, it } from 'vitest';
import { itemMessage, ResultsCollector } from '../../results/index.ts';
import { silentLogger } from '../../log/index.ts';
import { BackupStore, MemoryObjectStore } from '../../store/index.ts';
import type { ConnectedCluster } from '../deps/cluster.ts';
import { writeBackupRecord, type StartedExtension } from './backup-record.ts';

const request = {
  name: 'b1',
  includedNamespaces: [],
  excludedNamespaces: [],
  includedResources: [],
  excludedResources: [],
  ttl: '1h',
  labels: {},
  kube: {},
};

async function record(extension: StartedExtension) {
  const store = new BackupStore(new MemoryObjectStore(), '');
  const upload = await store.beginBackup('b1');
  const results = new ResultsCollector();
  const written = await writeBackupRecord(upload, {
    request,
    uid: '0d9a7c55-0000-4000-8000-000000000002',
    location: 'default',
    clusterUid: '6f1c2d3e-0000-4000-8000-000000000001',
    cluster: { version: { gitVersion: 'v1.33.0', major: '1', minor: '33' } } as unknown as ConnectedCluster,
    outcome: { itemsBackedUp: 1, resourceList: {}, counts: {}, results },
    labelSelector: undefined,
    started: new Date(),
    ttlMs: 3_600_000,
    extensions: [extension],
    logger: silentLogger(),
    finishLogs: () => Promise.resolve(Buffer.alloc(0)),
  });
  return { written, stored: await store.getBackup('b1') };
}

describe('backup record with extensions', () => {
  it('is PartiallyFailed when an extension records an error of its own', async () => {
    const { written, stored } = await record({
      name: 'cluster profile',
      run: {
        files(outcome) {
          outcome.results.warning(itemMessage({ message: 'attachment cut off' }));
          outcome.results.error(itemMessage({ message: 'attachment left out', error: 'not JSON' }));
          return Promise.resolve([]);
        },
      },
    });
    expect(written.phase).toBe('PartiallyFailed');
    expect(stored.status).toMatchObject({ phase: 'PartiallyFailed', errors: 1, warnings: 1 });
  });

  it('stays Completed with only warnings', async () => {
    const { written, stored } = await record({
      name: 'cluster profile',
      run: {
        files(outcome) {
          outcome.results.warning(itemMessage({ message: 'attachment cut off' }));
          return Promise.resolve([]);
        },
      },
    });
    expect(written.phase).toBe('Completed');
    expect(stored.status).toMatchObject({ phase: 'Completed', warnings: 1 });
  });
});
