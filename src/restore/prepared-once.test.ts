import { describe, expect, it, vi } from 'vitest';
import { ArchiveCatalog, parseArchivePath } from '../archive/index.ts';
import { servedResource } from '../kube/testing.ts';
import { silentLogger } from '../log/index.ts';
import type { KubeObject } from '../model/index.ts';
import { applyPlan, NO_VOLUME_EVIDENCE, PreparedInMemory, prepareItem } from './apply/index.ts';
import { type BackupArchive, inventory } from './inventory/index.ts';
import { buildRestorePlan } from './plan/index.ts';
import { compareWithTarget } from './target/index.ts';
import { backedUpConfigMap, FakeTarget, prepareContext } from './testing.ts';
import type * as Prepare from './apply/prepare.ts';

// Every call of prepareItem goes through this spy (the inventory reaches it through apply/index.ts).
vi.mock('./apply/prepare.ts', async (importOriginal) => {
  const original = await importOriginal<typeof Prepare>();
  return { ...original, prepareItem: vi.fn(original.prepareItem) };
});

function archive(items: readonly KubeObject[]): BackupArchive {
  const catalog = new ArchiveCatalog();
  const byPath = new Map<string, KubeObject>();
  for (const item of items) {
    const path = `resources/configmaps/namespaces/${item.metadata.namespace}/${item.metadata.name}.json`;
    catalog.add({ path, parsed: parseArchivePath(path) });
    byPath.set(path, item);
  }
  return {
    catalog,
    volumes: NO_VOLUME_EVIDENCE,
    readItem: (path) => Promise.resolve(structuredClone(byPath.get(path)!)),
    itemBytes: () => 100,
  };
}

describe('each item is prepared once per restore', () => {
  it('the inventory prepares it; the restorer and the comparison with the target read it back', async () => {
    const spy = vi.mocked(prepareItem);
    spy.mockClear();
    const prepared = new PreparedInMemory();
    const backup = archive([backedUpConfigMap('a', { k: 'a' }), backedUpConfigMap('b', { k: 'b' })]);
    const context = prepareContext();
    const facts = await inventory(backup, context, { prepared });
    const served = [
      servedResource('', 'namespaces', 'Namespace', false, { verbs: ['create', 'list'] }),
      servedResource('', 'configmaps', 'ConfigMap', true, { verbs: ['create', 'list'] }),
    ];
    const all = { shouldInclude: () => true, includesEverything: () => true };
    const plan = buildRestorePlan({
      facts,
      request: {
        namespaces: all,
        resources: all,
        namespaceMapping: new Map(),
        existingResourcePolicy: 'none',
      },
      target: { served },
    });
    const target = new FakeTarget();
    const outcome = await applyPlan(plan, {
      client: target.client(),
      prepared,
      policy: 'none',
      logger: silentLogger(),
      readItem: backup.readItem,
    });
    // The fake answers the comparison's LIST with what the restore created.
    const created = ['a', 'b'].map((n) => target.objects.get(`/api/v1/namespaces/app/configmaps/${n}`)!);
    target.put('/api/v1/namespaces/app/configmaps', { items: created } as unknown as KubeObject);
    const verdicts: string[] = [];
    await compareWithTarget(plan, {
      client: target.client(),
      prepared,
      onVerdict: (v) => verdicts.push(`${v.item.name}: ${v.existence}`),
    });

    expect(outcome.results.counts).toMatchObject({ created: 3, failed: 0 });
    expect(target.objects.get('/api/v1/namespaces/app/configmaps/a')?.['data']).toEqual({ k: 'a' });
    expect(spy.mock.calls.map(([item]) => item.metadata.name).sort()).toEqual(['a', 'b']);
    expect(verdicts).toEqual(['a: identical', 'b: identical']);
  });
});
