import { describe, expect, it } from 'vitest';
import { parseLabelSelector } from '../../selection/index.ts';
import { BackupScope, MainListing } from '../../backup/index.ts';
import { servedResource } from '../../kube/testing.ts';
import type { KubeObject } from '../../model/index.ts';
import { Reads } from '../../profile/index.ts';
import { ProfileTap } from './tap.ts';

const served = [
  servedResource('', 'namespaces', 'Namespace', false),
  servedResource('', 'nodes', 'Node', false),
  servedResource('', 'configmaps', 'ConfigMap', true),
  servedResource('', 'services', 'Service', true),
  servedResource('apps', 'daemonsets', 'DaemonSet', true),
  servedResource('storage.k8s.io', 'storageclasses', 'StorageClass', false, {
    version: 'v1beta1',
    versions: ['v1beta1', 'v1'],
    apiVersion: 'storage.k8s.io/v1beta1',
  }),
];

function listing(includedNamespaces: string[] = [], selector?: string): MainListing {
  const scope = new BackupScope(
    {
      includedNamespaces,
      excludedNamespaces: [],
      includedResources: [],
      excludedResources: [],
      includeClusterResources: undefined,
    },
    served,
  );
  return new MainListing(scope, served, selector === undefined ? undefined : parseLabelSelector(selector));
}

const object = (
  namespace: string | undefined,
  name: string,
  labels?: Record<string, string>,
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Thing',
  metadata: { name, ...(namespace === undefined ? {} : { namespace }), ...(labels ? { labels } : {}) },
});

/** Passes items by the tap's watches the way the collector does, then ends the type's listing. */
function pass(tap: ProfileTap, groupResource: string, items: KubeObject[], complete = true): void {
  for (const watch of tap.watches.filter((w) => w.groupResource === groupResource)) {
    for (const item of items)
      if (watch.matches?.(item.metadata.namespace, item.metadata.name) ?? true) watch.see(item, true);
    watch.done?.(complete);
  }
}

describe('ProfileTap', () => {
  it('answers the reads a whole-cluster listing covers, with the matching items in listing order', async () => {
    const tap = new ProfileTap(listing(), [
      Reads.nodes,
      Reads.kubeadmConfig,
      Reads.coredns,
      Reads.dnsServices,
      Reads.daemonSets,
    ]);
    const nodes = tap.read(Reads.nodes)!;
    const kubeadm = tap.read(Reads.kubeadmConfig)!;
    const coredns = tap.read(Reads.coredns)!;
    const dns = tap.read(Reads.dnsServices)!;
    pass(tap, 'nodes', [object(undefined, 'b'), object(undefined, 'a')]);
    pass(tap, 'configmaps', [object('default', 'kubeadm-config'), object('kube-system', 'kubeadm-config')]);
    pass(tap, 'services', [
      object('kube-system', 'metrics'),
      object('kube-system', 'kube-dns', { 'k8s-app': 'kube-dns' }),
      object('other', 'dns', { 'k8s-app': 'kube-dns' }),
    ]);
    expect((await nodes)!.map((n) => n.metadata.name)).toEqual(['b', 'a']);
    expect((await kubeadm)!.map((c) => `${c.metadata.namespace}/${c.metadata.name}`)).toEqual([
      'kube-system/kubeadm-config',
    ]);
    expect(await coredns).toEqual([]); // listed, and not there: the read finds nothing
    expect((await dns)!.map((s) => s.metadata.name)).toEqual(['kube-dns']);
  });

  it('leaves to the API server what the listing does not cover: other namespaces, cluster types, a selector, another version', () => {
    const oneNamespace = new ProfileTap(listing(['default']), [
      Reads.nodes,
      Reads.kubeadmConfig,
      Reads.kubernetesService,
    ]);
    expect(oneNamespace.read(Reads.nodes)).toBeUndefined();
    expect(oneNamespace.read(Reads.kubeadmConfig)).toBeUndefined();
    expect(oneNamespace.read(Reads.kubernetesService)).toBeDefined();
    const selected = new ProfileTap(listing([], 'app=web'), [Reads.nodes, Reads.kubeadmConfig]);
    expect(selected.watches).toEqual([]);
    expect(selected.read(Reads.nodes)).toBeUndefined();
    // StorageClasses are listed as v1beta1 here: the profile reads v1 itself.
    expect(new ProfileTap(listing(), [Reads.storageClasses]).read(Reads.storageClasses)).toBeUndefined();
  });

  it('sends a read to the API server when its type could not be listed completely, or the backup ended first', async () => {
    const tap = new ProfileTap(listing(), [Reads.nodes, Reads.daemonSets]);
    const nodes = tap.read(Reads.nodes)!;
    const daemonSets = tap.read(Reads.daemonSets)!;
    pass(tap, 'nodes', [object(undefined, 'a')], false);
    expect(await nodes).toBeUndefined();
    tap.close();
    expect(await daemonSets).toBeUndefined();
  });
});
