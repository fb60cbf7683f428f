import { describe, expect, it } from 'vitest';
import { servedResource as res } from '../kube/testing.ts';
import { BackupScope, orderResources } from './scope.ts';

const served = [
  res('', 'configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  res('', 'events', 'Event', true),
  res('', 'namespaces', 'Namespace', false, { shortNames: ['ns'] }),
  res('', 'persistentvolumes', 'PersistentVolume', false, { shortNames: ['pv'] }),
  res('', 'persistentvolumeclaims', 'PersistentVolumeClaim', true),
  res('', 'pods', 'Pod', true),
  res('', 'bindings', 'Binding', true, { verbs: ['create'] }),
  res('apps', 'deployments', 'Deployment', true, { shortNames: ['deploy'] }),
  res('events.k8s.io', 'events', 'Event', true),
  res('storage.k8s.io', 'storageclasses', 'StorageClass', false, { shortNames: ['sc'] }),
  res('extensions', 'deployments', 'Deployment', true),
];

describe('orderResources (Velero backup order)', () => {
  it('puts pods, PVCs and PVs first, drops unlistable types and second copies of cohabitating types', () => {
    expect(orderResources(served).map((r) => r.groupResource)).toEqual([
      'pods',
      'persistentvolumeclaims',
      'persistentvolumes',
      'configmaps',
      'events',
      'namespaces',
      'deployments.apps',
      'storageclasses.storage.k8s.io',
    ]);
  });
});

describe('BackupScope', () => {
  const base = {
    includedNamespaces: [],
    excludedNamespaces: [],
    includedResources: [],
    excludedResources: [],
    includeClusterResources: undefined,
  };

  it('auto: cluster-scoped types only when every namespace is in scope', () => {
    const all = new BackupScope(base, served);
    const some = new BackupScope({ ...base, includedNamespaces: ['app'] }, served);
    const sc = served.find((r) => r.resource === 'storageclasses')!;
    expect(all.collects(sc)).toBe(true);
    expect(some.collects(sc)).toBe(false);
    expect(some.keepsAdditional('persistentvolumes', undefined)).toBe(true);
  });

  it('false: no cluster-scoped types, not even pulled in by actions; namespaces still tracked', () => {
    const scope = new BackupScope({ ...base, includeClusterResources: false }, served);
    expect(scope.collects(served.find((r) => r.resource === 'storageclasses')!)).toBe(false);
    expect(scope.collects(served.find((r) => r.resource === 'namespaces')!)).toBe(true);
    expect(scope.keepsAdditional('persistentvolumes', undefined)).toBe(false);
  });

  it('true with a namespace filter: cluster-scoped types too', () => {
    const scope = new BackupScope(
      { ...base, includedNamespaces: ['app'], includeClusterResources: true },
      served,
    );
    expect(scope.collects(served.find((r) => r.resource === 'storageclasses')!)).toBe(true);
  });

  it('resolves resource names through short names, kinds and groups', () => {
    const scope = new BackupScope({ ...base, includedResources: ['cm', 'Deployment.apps', 'sc'] }, served);
    expect(scope.resources.includes).toEqual([
      'configmaps',
      'deployments.apps',
      'storageclasses.storage.k8s.io',
    ]);
    expect(() => new BackupScope({ ...base, includedResources: ['widgets'] }, served)).toThrow(
      /serves no resource named 'widgets'/,
    );
  });

  it('keeps explicitly excluded types out, even when pulled in by an action', () => {
    const scope = new BackupScope({ ...base, excludedResources: ['pv'] }, served);
    expect(scope.keepsAdditional('persistentvolumes', undefined)).toBe(false);
    expect(scope.keepsAdditional('persistentvolumeclaims', 'app')).toBe(true);
  });
});
