import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../model/index.ts';
import { applyItem } from './apply-item.ts';
import { applyContext, backedUpConfigMap, FakeTarget, plannedConfigMap } from '../testing.ts';

const item = plannedConfigMap('settings');
const backup = new Map([[item.path, backedUpConfigMap('settings', { mode: 'fast' })]]);
const objectPath = '/api/v1/namespaces/app/configmaps/settings';

/** The config map as the target cluster holds it (its own uid, version, and optionally labels). */
function inCluster(data: Record<string, string>, labels?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: 'app', uid: 'other', resourceVersion: '99', labels },
    data,
  };
}

describe('applyItem', () => {
  it('creates an absent item without the source cluster’s fields, with the restore and backup labels', async () => {
    const target = new FakeTarget();
    const ctx = applyContext(target, backup, 'none');
    expect(await applyItem(item, ctx)).toBe('created');
    expect(target.calls()).toEqual(['POST /api/v1/namespaces/app/configmaps']);
    const created = target.objects.get(objectPath)!;
    expect(created.metadata.labels).toEqual({
      'velero.io/backup-name': 'b1',
      'velero.io/restore-name': 'r1',
    });
    expect(created.metadata.uid).toBeUndefined();
    expect(created['data']).toEqual({ mode: 'fast' });
    expect(ctx.results.counts).toEqual({ created: 1, updated: 0, skipped: 0, failed: 0 });
    expect(ctx.results.resourceList()).toEqual({ 'v1/ConfigMap': ['app/settings(created)'] });
  });

  it('skips an existing identical item without a warning or a patch (policy none)', async () => {
    const target = new FakeTarget().put(objectPath, inCluster({ mode: 'fast' }));
    const ctx = applyContext(target, backup, 'none');
    expect(await applyItem(item, ctx)).toBe('skipped');
    expect(target.calls()).toEqual(['POST /api/v1/namespaces/app/configmaps', `GET ${objectPath}`]);
    expect(ctx.results.warningCount).toBe(0);
    expect(ctx.results.counts.skipped).toBe(1);
  });

  it('labels an existing identical item with this restore under policy update', async () => {
    const target = new FakeTarget().put(objectPath, inCluster({ mode: 'fast' }));
    const ctx = applyContext(target, backup, 'update');
    expect(await applyItem(item, ctx)).toBe('skipped');
    const patch = target.requests.find((r) => r.method === 'PATCH');
    expect(patch?.path).toBe(objectPath);
    expect(JSON.parse(JSON.stringify(patch?.body))).toEqual({
      metadata: { labels: { 'velero.io/backup-name': 'b1', 'velero.io/restore-name': 'r1' } },
    });
  });

  it('leaves an existing different item as it is with a warning under policy none', async () => {
    const target = new FakeTarget().put(objectPath, inCluster({ mode: 'slow' }));
    const ctx = applyContext(target, backup, 'none');
    expect(await applyItem(item, ctx)).toBe('failed');
    expect(target.calls()).not.toContain(`PATCH ${objectPath}`);
    expect(ctx.results.errorCount).toBe(0);
    expect(JSON.stringify(ctx.results.toFile().warnings.namespaces)).toContain(
      'could not restore, ConfigMap \\"settings\\" already exists',
    );
  });

  it('patches an existing different item towards the backup under policy update', async () => {
    const target = new FakeTarget().put(objectPath, inCluster({ mode: 'slow' }));
    const ctx = applyContext(target, backup, 'update');
    expect(await applyItem(item, ctx)).toBe('updated');
    const patch = target.requests.find((r) => r.method === 'PATCH');
    expect(patch?.path).toBe(objectPath);
    expect(JSON.stringify(patch?.body)).toContain('"mode":"fast"');
    expect(ctx.results.warningCount).toBe(0);
    expect(ctx.results.counts.updated).toBe(1);
  });

  it('turns a refused create into the item’s error', async () => {
    const target = new FakeTarget().refuse('settings', 'POST configmaps: quota exceeded');
    const ctx = applyContext(target, backup, 'none');
    expect(await applyItem(item, ctx)).toBe('failed');
    expect(ctx.results.toFile().errors.namespaces?.['app']).toEqual([
      'error restoring configmaps/app/settings: POST configmaps: quota exceeded',
    ]);
    expect(ctx.results.counts.failed).toBe(1);
  });

  it('retries a create an admission plugin refused for a class its cache has not seen yet', async () => {
    const lag = 'pods "settings" is forbidden: no PriorityClass with name shop-high was found';
    const target = new FakeTarget().forbid('settings', 2, lag);
    const ctx = { ...applyContext(target, backup, 'none'), admissionRetriesMs: [1, 1, 1] };
    expect(await applyItem(item, ctx)).toBe('created');
    expect(target.calls()).toEqual(Array(3).fill('POST /api/v1/namespaces/app/configmaps'));
    expect(ctx.results.errorCount).toBe(0);
  });

  it('fails the item once the retries for an admission cache are spent, and never retries other refusals', async () => {
    const lag = 'pods "settings" is forbidden: no PriorityClass with name shop-high was found';
    const lagging = new FakeTarget().forbid('settings', 9, lag);
    const ctx = { ...applyContext(lagging, backup, 'none'), admissionRetriesMs: [1, 1] };
    expect(await applyItem(item, ctx)).toBe('failed');
    expect(lagging.calls()).toHaveLength(3);
    expect(JSON.stringify(ctx.results.toFile().errors)).toContain('no PriorityClass with name shop-high');
    const denied = new FakeTarget().forbid('settings', 9, 'configmaps is forbidden: User cannot create');
    const other = { ...applyContext(denied, backup, 'none'), admissionRetriesMs: [1, 1] };
    expect(await applyItem(item, other)).toBe('failed');
    expect(denied.calls()).toHaveLength(1);
  });
});
