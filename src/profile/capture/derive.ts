import { type ClusterProfile, PROFILE_API_VERSION, PROFILE_KIND } from '../schema.ts';
import { storageClassUsage, type BackupContents } from './contents.ts';
import { byName } from './storage.ts';

/**
 * What can be known of the source cluster from a backup without a profile (a Velero backup): its
 * Kubernetes version (velero-backup.json annotations) and the cluster-scoped objects it holds —
 * StorageClasses, CSIDrivers, CRDs, webhooks, PriorityClasses, IngressClasses. Everything else is
 * listed in `absent`, so every consumer can say what is missing.
 */
export function deriveProfile(contents: BackupContents, now = new Date()): ClusterProfile {
  const absent = [
    'Nodes (control plane and node pools)',
    'Network (pod and service CIDRs, DNS, CNI)',
    'kubeadm ClusterConfiguration',
    'Served API versions',
    'LoadBalancer Services outside the backup',
    'Attached platform configuration (aks-hci-*)',
  ].map((what) => ({
    what,
    reason: `backup ${contents.name} has no cluster profile (made by Velero or without one)`,
  }));
  const cluster = contents.storageClasses.length + contents.crds.length + contents.priorityClasses.length;
  if (cluster === 0)
    absent.push({
      what: 'StorageClasses, CRDs, webhooks, PriorityClasses',
      reason: 'the backup holds no cluster-scoped objects of these kinds',
    });
  return {
    apiVersion: PROFILE_API_VERSION,
    kind: PROFILE_KIND,
    metadata: {
      capturedAt: now.toISOString(),
      source: `backup ${contents.name} (derived from its contents)`,
      origin: 'backup-contents',
      backup: contents.name,
      platform: contents.storageClasses.some((s) => s.provisioner.endsWith('.csi.akshci.com'))
        ? 'aks-hci'
        : 'generic',
    },
    kubernetes: {
      gitVersion: contents.sourceVersion?.gitVersion,
      minor: contents.sourceVersion?.minor,
      kubeletVersions: [],
      apiVersions: [],
      kinds: [],
      crds: [...contents.crds].sort(byName),
      webhooks: contents.webhooks,
      priorityClasses: contents.priorityClasses.map((name) => ({ name, value: 0 })),
    },
    controlPlane: { nodeCount: 0, nodes: [] },
    nodePools: [],
    network: { podCIDRs: [], cni: [] },
    storage: {
      storageClasses: [...contents.storageClasses].sort(byName),
      csiDrivers: contents.csiDrivers.map((name) => ({ name })),
      volumeSnapshotClasses: [],
      usedByBackup: storageClassUsage(contents.pvcs),
    },
    ingress: { classes: contents.ingressClasses, loadBalancerServices: [] },
    attachments: [],
    absent,
  };
}
