import type { ReadTarget } from './kube-read.ts';

const configMap = (namespace: string, name: string): ReadTarget => ({
  what: `${namespace}/${name}`,
  group: '',
  version: 'v1',
  resource: 'configmaps',
  namespace,
  name,
});

const every = (what: string, group: string, version: string, resource: string): ReadTarget => ({
  what,
  group,
  version,
  resource,
});

/**
 * Everything the profile reads from a cluster (spec §4), named once: the capture reads these, and a
 * backup watches its own listing for them instead of asking the API server again.
 */
export const Reads = {
  nodes: every('Nodes', '', 'v1', 'nodes'),
  kubeadmConfig: configMap('kube-system', 'kubeadm-config'),
  kubeProxy: configMap('kube-system', 'kube-proxy'),
  flannel: [configMap('kube-flannel', 'kube-flannel-cfg'), configMap('kube-system', 'kube-flannel-cfg')],
  calicoIpPools: every('Calico IPPools', 'crd.projectcalico.org', 'v1', 'ippools'),
  kubernetesService: {
    what: 'default/kubernetes Service',
    group: '',
    version: 'v1',
    resource: 'services',
    namespace: 'default',
    name: 'kubernetes',
  },
  dnsServices: {
    what: 'cluster DNS Service',
    group: '',
    version: 'v1',
    resource: 'services',
    namespace: 'kube-system',
    labelSelector: 'k8s-app=kube-dns',
  },
  coredns: configMap('kube-system', 'coredns'),
  clusterInfo: configMap('kube-public', 'cluster-info'),
  daemonSets: every('DaemonSets (CNI detection)', 'apps', 'v1', 'daemonsets'),
  crds: every('CustomResourceDefinitions', 'apiextensions.k8s.io', 'v1', 'customresourcedefinitions'),
  mutatingWebhooks: every(
    'MutatingWebhookConfigurations',
    'admissionregistration.k8s.io',
    'v1',
    'mutatingwebhookconfigurations',
  ),
  validatingWebhooks: every(
    'ValidatingWebhookConfigurations',
    'admissionregistration.k8s.io',
    'v1',
    'validatingwebhookconfigurations',
  ),
  priorityClasses: every('PriorityClasses', 'scheduling.k8s.io', 'v1', 'priorityclasses'),
  storageClasses: every('StorageClasses', 'storage.k8s.io', 'v1', 'storageclasses'),
  csiDrivers: every('CSIDrivers', 'storage.k8s.io', 'v1', 'csidrivers'),
  volumeSnapshotClasses: every(
    'VolumeSnapshotClasses',
    'snapshot.storage.k8s.io',
    'v1',
    'volumesnapshotclasses',
  ),
  ingressClasses: every('IngressClasses', 'networking.k8s.io', 'v1', 'ingressclasses'),
  arcConfig: configMap('azure-arc', 'azure-clusterconfig'),
  /** Every Service (for the LoadBalancer ones): a backup sees the Services it stores instead. */
  services: every('Services', '', 'v1', 'services'),
} as const satisfies Record<string, ReadTarget | readonly ReadTarget[]>;

/**
 * The reads every capture makes whatever it finds (the others depend on what these gave: flannel and
 * Calico when kubeadm and kube-proxy name no pod CIDR, CoreDNS and cluster-info when nothing else
 * names the domain or the endpoint), in the order it makes them: asked for together at its start.
 */
export const READS_EVERY_CAPTURE: readonly ReadTarget[] = [
  Reads.nodes,
  Reads.kubeadmConfig,
  Reads.kubeProxy,
  Reads.kubernetesService,
  Reads.dnsServices,
  Reads.daemonSets,
  Reads.crds,
  Reads.mutatingWebhooks,
  Reads.validatingWebhooks,
  Reads.priorityClasses,
  Reads.storageClasses,
  Reads.csiDrivers,
  Reads.volumeSnapshotClasses,
  Reads.ingressClasses,
  Reads.arcConfig,
];

/** What a capture during a backup reads: everything but the list of every Service. */
export const READS_DURING_BACKUP: readonly ReadTarget[] = Object.values(Reads)
  .flat()
  .filter((t) => t !== Reads.services);
