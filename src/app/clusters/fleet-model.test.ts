import { describe, expect, it } from 'vitest';
import { nullObject } from '../../model/index.ts';
import {
  type ClusterCandidate,
  type ClusterProbe,
  diffFleet,
  mergeFleet,
  separateFolders,
} from './fleet-model.ts';

function candidate(name: string, source: ClusterCandidate['source'], extra: Partial<ClusterCandidate> = {}) {
  const origin = source === 'config' ? `config/${name}` : `${source}/fleet/${name}`;
  return {
    name,
    source,
    origin,
    labels: nullObject<string>(),
    target: { kubeconfig: `/k/${name}` },
    ...extra,
  };
}
const up = (uid: string): ClusterProbe => ({ reachable: true, uid, server: `https://${uid}` });
const down: ClusterProbe = { reachable: false, reason: 'cannot reach the API server https://127.0.0.1:1' };

describe('merging the fleet by identity', () => {
  it('keeps one row per identity: a configured entry wins over a Cluster object, which wins over a Secret', () => {
    const fleet = mergeFleet([
      { candidate: candidate('from-secret', 'secret'), probe: up('u1') },
      { candidate: candidate('capi-a', 'cluster-api'), probe: up('u1') },
      { candidate: candidate('prod-a', 'config'), probe: up('u1') },
      { candidate: candidate('capi-b', 'cluster-api'), probe: up('u2') },
    ]);
    expect(fleet.map((c) => [c.name, c.source, c.uid])).toEqual([
      ['capi-b', 'cluster-api', 'u2'],
      ['prod-a', 'config', 'u1'],
    ]);
    expect(fleet[1]?.alsoFrom).toEqual(['cluster-api/fleet/capi-a', 'secret/fleet/from-secret']);
  });

  it('keeps an unreachable cluster as its own row with the reason, and uses a recorded identity', () => {
    const fleet = mergeFleet([
      { candidate: candidate('dead', 'config'), probe: down },
      { candidate: candidate('known', 'config', { recordedUid: 'u9' }), probe: down },
      { candidate: candidate('known-too', 'cluster-api'), probe: up('u9') },
    ]);
    expect(fleet.map((c) => [c.name, c.uid, c.reachable])).toEqual([
      ['dead', undefined, false],
      ['known', 'u9', false],
    ]);
    expect(fleet[0]?.reason).toMatch(/cannot reach/);
  });

  it('reports a kubeconfig that now reaches another cluster than the one recorded', () => {
    const [c] = mergeFleet([
      { candidate: candidate('a', 'config', { recordedUid: 'old' }), probe: up('new') },
    ]);
    expect(c?.reason).toMatch(/another cluster \(identity new, recorded old\)/);
  });

  it('gives a discovered cluster whose name is taken its namespace in front', () => {
    const fleet = mergeFleet([
      { candidate: candidate('a', 'config'), probe: up('u1') },
      { candidate: candidate('a', 'cluster-api'), probe: up('u2') },
    ]);
    expect(fleet.map((c) => c.name)).toEqual(['a', 'fleet-a']);
  });
});

describe('what changed between refreshes', () => {
  const merge = (...rows: [ClusterCandidate, ClusterProbe][]) =>
    mergeFleet(rows.map(([candidate, probe]) => ({ candidate, probe })));

  it('finds added and removed clusters', () => {
    const before = merge(
      [candidate('a', 'cluster-api'), up('u1')],
      [candidate('b', 'cluster-api'), up('u2')],
    );
    const after = merge([candidate('b', 'cluster-api'), up('u2')], [candidate('c', 'cluster-api'), up('u3')]);
    const changes = diffFleet(before, after);
    expect(changes.added.map((c) => c.name)).toEqual(['c']);
    expect(changes.removed.map((c) => c.name)).toEqual(['a']);
    expect(changes.changed).toEqual([]);
  });

  it('sees a renamed entry with the same identity as the same cluster, changed', () => {
    const before = merge([candidate('old-name', 'config'), up('u1')]);
    const after = merge([candidate('new-name', 'config'), up('u1')]);
    const changes = diffFleet(before, after);
    expect(changes.added).toEqual([]);
    expect(changes.removed).toEqual([]);
    expect(changes.changed.map((c) => [c.before.name, c.after.name])).toEqual([['old-name', 'new-name']]);
  });

  it('matches a cluster that comes back by its origin, and reports nothing when nothing changed', () => {
    const before = merge([candidate('a', 'secret'), down]);
    const after = merge([candidate('a', 'secret'), up('u1')]);
    expect(diffFleet(before, after).changed.map((c) => c.after.reachable)).toEqual([true]);
    expect(diffFleet(after, merge([candidate('a', 'secret'), up('u1')]))).toEqual({
      added: [],
      removed: [],
      changed: [],
    });
  });
});

describe('one folder per cluster', () => {
  it('leaves out a discovered cluster whose prefix another cluster has, saying which, and keeps the first', () => {
    const fleet = mergeFleet([
      { candidate: candidate('prod-a', 'config', { prefix: 'site/a' }), probe: up('u1') },
      { candidate: candidate('capi-b', 'cluster-api', { prefix: '/site/a/' }), probe: up('u2') },
      { candidate: candidate('capi-c', 'cluster-api', { prefix: 'clusters/capi-d' }), probe: up('u3') },
      { candidate: candidate('capi-d', 'cluster-api'), probe: up('u4') },
      {
        candidate: candidate('other', 'secret', { prefix: 'site/a', location: 'elsewhere' }),
        probe: up('u5'),
      },
    ]);
    const { clusters, problems } = separateFolders(fleet);
    expect(clusters.map((c) => c.name)).toEqual(['capi-c', 'other', 'prod-a']);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /cluster-api\/fleet\/capi-b: cluster 'capi-b' would share the prefix site\/a with cluster 'prod-a'/,
    );
    expect(problems[1]).toMatch(/capi-d.*clusters\/capi-d.*'capi-c'.*lifeboat\.io\/prefix/);
  });
});
