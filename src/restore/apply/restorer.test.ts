import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/index.ts';
import type { KubeObject } from '../../model/index.ts';
import { emptyCounts, type PlannedItem, type RestorePlan } from '../plan/index.ts';
import { applyPlan, type RestoreProgress } from './restorer.ts';
import { backedUpConfigMap, FakeTarget, plannedConfigMap, preparedFrom } from '../testing.ts';

/** A plan restoring `items` into namespace app (to be created). */
function planFor(items: PlannedItem[]): RestorePlan {
  return {
    steps: [{ tier: 'default', groupResource: 'configmaps', items }],
    namespaces: [{ name: 'app', source: 'app', action: 'create' }],
    findings: [],
    totals: { ...emptyCounts(), create: items.length },
    byResource: {},
    byNamespace: {},
  };
}

function restore(target: FakeTarget, names: string[], onProgress?: (p: RestoreProgress) => void) {
  const items = names.map(plannedConfigMap);
  const backup = new Map<string, KubeObject>(
    items.map((i) => [i.path, backedUpConfigMap(i.name, { key: i.name })]),
  );
  return applyPlan(planFor(items), {
    client: target.client(),
    prepared: preparedFrom(backup),
    policy: 'none',
    logger: silentLogger(),
    readItem: (path) => Promise.resolve(structuredClone(backup.get(path)!)),
    parallelism: 1,
    onProgress,
  });
}

describe('applyPlan', () => {
  it('creates the namespaces first, then the items of each step', async () => {
    const target = new FakeTarget();
    const progress: number[] = [];
    const { results, interrupted } = await restore(target, ['a', 'b'], (p) => progress.push(p.done));
    expect(interrupted).toBe(false);
    expect(target.calls()).toEqual([
      'POST /api/v1/namespaces',
      'POST /api/v1/namespaces/app/configmaps',
      'POST /api/v1/namespaces/app/configmaps',
    ]);
    expect(results.counts).toEqual({ created: 3, updated: 0, skipped: 0, failed: 0 });
    expect(results.resourceList()).toEqual({
      'v1/ConfigMap': ['app/a(created)', 'app/b(created)'],
      'v1/Namespace': ['app(created)'],
    });
    expect(progress.at(-1)).toBe(3);
  });

  it('records a failed create as that item’s error and restores the others', async () => {
    const target = new FakeTarget().refuse('b', 'POST configmaps: denied');
    const { results } = await restore(target, ['a', 'b', 'c']);
    expect(results.counts).toEqual({ created: 3, updated: 0, skipped: 0, failed: 1 });
    expect(results.toFile().errors).toEqual({
      namespaces: { app: ['error restoring configmaps/app/b: POST configmaps: denied'] },
    });
    expect([...target.objects.keys()]).toEqual([
      '/api/v1/namespaces/app',
      '/api/v1/namespaces/app/configmaps/a',
      '/api/v1/namespaces/app/configmaps/c',
    ]);
  });

  it('goes on when a namespace exists already (not counted as created)', async () => {
    const existing: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } };
    const target = new FakeTarget().put('/api/v1/namespaces/app', existing);
    const { results } = await restore(target, ['a']);
    expect(target.calls()).toEqual([
      'POST /api/v1/namespaces',
      'GET /api/v1/namespaces/app',
      'POST /api/v1/namespaces/app/configmaps',
    ]);
    expect(results.counts).toEqual({ created: 1, updated: 0, skipped: 0, failed: 0 });
    expect(results.errorCount).toBe(0);
  });
});
