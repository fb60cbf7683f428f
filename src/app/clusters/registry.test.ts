import { describe, expect, it } from 'vitest';
import type { Fleet } from '../../config/index.ts';
import type { KubeTarget } from '../../kube/index.ts';
import { nullObject } from '../../model/index.ts';
import type { Discovered } from './discover.ts';
import type { ClusterCandidate } from './fleet-model.ts';
import { ClusterRegistry, type FleetConfig } from './registry.ts';

const fleet: Fleet = { managementCluster: 'mgmt', discover: { clusterApi: true } };
const config: FleetConfig = {
  path: '/etc/lifeboat/config.yaml',
  clusters: [{ name: 'mgmt', kubeconfig: 'mgmt.kubeconfig', uid: 'u-mgmt' }],
  fleet,
};

const discovered = (name: string): ClusterCandidate => ({
  name,
  source: 'cluster-api',
  origin: `cluster-api/default/${name}`,
  labels: nullObject<string>(),
  target: { kubeconfigData: { text: `kubeconfig of ${name}`, source: `cluster-api/default/${name}` } },
});

/** Identity by target: a file's cluster is its path's last part, a discovered one its text's last word. */
const probe = (target: KubeTarget) => Promise.resolve({ reachable: true, uid: `u-${name(target)}` });
function name(target: KubeTarget): string {
  return (
    target.kubeconfigData?.text.split(' ').at(-1) ??
    (target.kubeconfig ?? '').split('/').at(-1)?.split('.')[0] ??
    ''
  );
}

describe('the cluster registry', () => {
  it('holds the management cluster and what it discovers, and says what came and went', async () => {
    let found: Discovered = { candidates: [discovered('w1'), discovered('w2')], problems: [] };
    const registry = new ClusterRegistry({
      load: () => Promise.resolve(config),
      probe,
      discover: () => Promise.resolve(found),
    });
    const first = await registry.refresh();
    expect(first.clusters.map((c) => c.name)).toEqual(['mgmt', 'w1', 'w2']);
    expect(first.added.map((c) => c.name)).toEqual(['mgmt', 'w1', 'w2']);
    expect(registry.find('mgmt')?.target.kubeconfig).toBe('/etc/lifeboat/mgmt.kubeconfig');

    found = { candidates: [discovered('w2'), discovered('w3')], problems: [] };
    const second = await registry.refresh();
    expect(second.added.map((c) => c.name)).toEqual(['w3']);
    expect(second.removed.map((c) => c.name)).toEqual(['w1']);
  });

  it('keeps the clusters it found when the management cluster cannot be asked, and says so', async () => {
    let fail = false;
    const registry = new ClusterRegistry({
      load: () => Promise.resolve(config),
      probe,
      discover: () =>
        fail
          ? Promise.reject(new Error('cannot reach the API server https://127.0.0.1:1'))
          : Promise.resolve({ candidates: [discovered('w1')], problems: [] }),
    });
    await registry.refresh();
    fail = true;
    const again = await registry.refresh();
    expect(again.removed).toEqual([]);
    expect(again.clusters.map((c) => c.name)).toEqual(['mgmt', 'w1']);
    expect(again.problems[0]).toMatch(/discovery in management cluster 'mgmt' failed.*cannot reach/);
  });

  it('shares a running refresh, and watches until stopped, going on after a failed one', async () => {
    let loads = 0;
    const registry = new ClusterRegistry({
      load: () => (++loads === 3 ? Promise.reject(new Error('config unreadable')) : Promise.resolve(config)),
      probe,
      discover: () => Promise.resolve({ candidates: [discovered('w1')], problems: [] }),
    });
    const [a, b] = await Promise.all([registry.refresh(), registry.refresh()]);
    expect(a).toBe(b);
    expect(loads).toBe(1);

    const stop = new AbortController();
    const seen: string[] = [];
    await registry.watch(
      1,
      stop.signal,
      (refresh) => {
        seen.push(`ok ${refresh.clusters.length}`);
        if (seen.length === 3) stop.abort();
      },
      (err) => seen.push(`error ${(err as Error).message}`),
    );
    expect(seen).toEqual(['ok 2', 'error config unreadable', 'ok 2']);
  });
});
