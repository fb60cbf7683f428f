import {
  type ClusterProfile,
  type NodePool,
  PROFILE_API_VERSION,
  PROFILE_KIND,
  type ProfileNode,
} from './schema.ts';
import { emptyContents, type BackupContents, type Workload } from './capture/index.ts';
import { nullObject } from '../model/index.ts';

/** Builders of plain profiles and backup contents for the unit tests of the pure parts. */

const GI = 2 ** 30;

export function node(name: string, over: Partial<ProfileNode> = {}): ProfileNode {
  return {
    name,
    instanceType: 'Standard_A4_v2',
    capacity: { cpu: 4, memoryBytes: 7.8 * GI, pods: 110 },
    os: 'linux',
    arch: 'amd64',
    osImage: 'CBL-Mariner/Linux',
    kubeletVersion: 'v1.29.4',
    labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/os': 'linux' },
    taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
    ...over,
  };
}

export function pool(name: string, over: Partial<NodePool> = {}): NodePool {
  return {
    name,
    groupedBy: 'label:kubernetes.azure.com/agentpool',
    count: 2,
    instanceType: 'Standard_K8S3_v1',
    capacity: { cpu: 4, memoryBytes: 5.8 * GI, pods: 110 },
    os: 'linux',
    arch: 'amd64',
    kubeletVersions: ['v1.29.4'],
    taints: [],
    labels: { 'kubernetes.io/os': 'linux' },
    zones: [],
    nodes: [`${name}-0`, `${name}-1`],
    ...over,
  };
}

export function profile(over: (p: ClusterProfile) => void = () => {}): ClusterProfile {
  const p: ClusterProfile = {
    apiVersion: PROFILE_API_VERSION,
    kind: PROFILE_KIND,
    metadata: {
      capturedAt: '2025-01-01T00:00:00.000Z',
      source: 'https://source:6443',
      origin: 'cluster',
      platform: 'aks-hci',
    },
    kubernetes: {
      gitVersion: 'v1.29.4',
      minor: 29,
      kubeletVersions: ['v1.29.4'],
      apiVersions: ['v1', 'apps/v1', 'storage.k8s.io/v1'],
      kinds: [
        'v1/ConfigMap',
        'v1/PersistentVolumeClaim',
        'v1/Service',
        'apps/v1/Deployment',
        'storage.k8s.io/v1/StorageClass',
      ],
      crds: [],
      webhooks: [],
      priorityClasses: [],
    },
    controlPlane: { nodeCount: 3, nodes: [node('cp-0'), node('cp-1'), node('cp-2')] },
    nodePools: [
      pool('linux'),
      pool('gpu', {
        count: 1,
        instanceType: 'Standard_NK6',
        capacity: { cpu: 6, memoryBytes: 11.7 * GI, pods: 110 },
        taints: [{ key: 'sku', value: 'gpu', effect: 'NoSchedule' }],
        labels: { 'kubernetes.io/os': 'linux', accelerator: 'nvidia' },
        nodes: ['gpu-0'],
      }),
    ],
    network: {
      podCIDRs: [{ value: '10.244.0.0/16', source: 'kubeadm' }],
      serviceCIDR: { value: '10.96.0.0/12', source: 'kubeadm' },
      kubernetesServiceIP: '10.96.0.1',
      dnsServiceIP: { value: '10.96.0.10', source: 'svc' },
      dnsDomain: { value: 'cluster.local', source: 'kubeadm' },
      cni: [{ value: 'Calico', source: 'DaemonSet kube-system/calico-node' }],
    },
    storage: {
      storageClasses: [
        {
          name: 'default',
          provisioner: 'disk.csi.akshci.com',
          isDefault: true,
          parameters: { container: 'SqlStorageContainer' },
        },
        { name: 'smb', provisioner: 'smb.csi.akshci.com', isDefault: false, parameters: nullObject() },
      ],
      csiDrivers: [{ name: 'disk.csi.akshci.com' }, { name: 'smb.csi.akshci.com' }],
      volumeSnapshotClasses: [],
    },
    ingress: { classes: [], loadBalancerServices: [] },
    attachments: [],
    absent: [],
  };
  over(p);
  return p;
}

export function workload(name: string, over: Partial<Workload> = {}): Workload {
  return {
    kind: 'Deployment',
    namespace: 'shop',
    name,
    nodeSelector: nullObject(),
    requiredTerms: [],
    tolerations: [],
    ...over,
  };
}

export function contents(over: (c: BackupContents) => void = () => {}): BackupContents {
  const c = emptyContents('nightly');
  c.resourceList = { 'v1/ConfigMap': ['shop/settings'], 'apps/v1/Deployment': ['shop/web'] };
  c.namespaces = ['shop'];
  c.workloads = [workload('web')];
  over(c);
  return c;
}
