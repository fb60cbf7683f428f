import { stringify } from 'yaml';
import type { ClusterProfile } from '../schema.ts';
import { code, FILL_IN, list, p, type Block, type Step } from './doc.ts';
import { formatCapacity } from '../capture/index.ts';
import { nullObject } from '../../model/index.ts';

const taint = (t: { key: string; value?: string | undefined; effect: string }) =>
  `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;

/** The source's cluster shape as a checklist (generic), plus kubeadm commands for kubeadm clusters. */
export function clusterShapeSteps(profile: ClusterProfile, platform: 'kubeadm' | 'generic'): Step[] {
  const steps: Step[] = [shapeStep(profile)];
  if (platform === 'kubeadm') steps.push(kubeadmStep(profile));
  steps.push(addonsStep(profile));
  return steps;
}

function shapeStep(profile: ClusterProfile): Step {
  const pools = poolRows(profile);
  return {
    title: 'Build a cluster of the same shape',
    blocks: [
      { type: 'table', header: ['Setting', 'Source value', 'Source'], rows: settingRows(profile) },
      p(
        pools.length
          ? 'Node pools (cluster: Node objects, grouped by pool label or by shape):'
          : 'Node pools: ' + FILL_IN('no worker nodes were captured; list the pools from your records'),
      ),
      ...(pools.length
        ? [
            {
              type: 'table',
              header: ['Pool', 'Nodes', 'Size', 'OS', 'Taints', 'Labels', 'Zones'],
              rows: pools,
            } as Block,
          ]
        : []),
    ],
  };
}

/** Setting, source value, where the value came from: version, control plane, network. */
function settingRows(profile: ClusterProfile): string[][] {
  const k = profile.kubernetes;
  const n = profile.network;
  return [
    [
      'Kubernetes version',
      k.gitVersion ?? FILL_IN('source Kubernetes version'),
      profile.metadata.origin === 'cluster'
        ? 'cluster: /version'
        : 'velero-backup.json source-cluster annotations',
    ],
    [
      'Control plane',
      profile.controlPlane.nodeCount
        ? `${profile.controlPlane.nodeCount} node(s): ${profile.controlPlane.nodes.map((x) => `${x.name} (${[x.instanceType, formatCapacity(x.capacity)].filter(Boolean).join(' / ')})`).join(', ')}`
        : FILL_IN('control-plane node count and size (not visible: managed or unknown)'),
      'cluster: nodes labelled node-role.kubernetes.io/control-plane',
    ],
    [
      'Pod CIDR',
      n.podCIDRs.map((c) => c.value).join(', ') || FILL_IN('pod CIDR'),
      n.podCIDRs[0]?.source ?? 'unknown',
    ],
    ['Service CIDR', n.serviceCIDR?.value ?? FILL_IN('service CIDR'), n.serviceCIDR?.source ?? 'unknown'],
    [
      'Cluster DNS domain',
      n.dnsDomain?.value ?? FILL_IN('DNS domain (usually cluster.local)'),
      n.dnsDomain?.source ?? 'unknown',
    ],
    [
      'Cluster DNS IP',
      n.dnsServiceIP?.value ?? FILL_IN('DNS service IP'),
      n.dnsServiceIP?.source ?? 'unknown',
    ],
    ['CNI', n.cni.map((c) => c.value).join(', ') || FILL_IN('CNI plugin'), n.cni[0]?.source ?? 'unknown'],
    [
      'kube-proxy mode',
      n.kubeProxyMode?.value ?? FILL_IN('kube-proxy mode'),
      n.kubeProxyMode?.source ?? 'unknown',
    ],
    [
      'Control-plane endpoint',
      profile.controlPlane.endpoint?.value ?? FILL_IN('API endpoint'),
      profile.controlPlane.endpoint?.source ?? 'unknown',
    ],
  ];
}

/** One row per node pool: count, size, OS, taints, labels (not the well-known kubernetes.io ones), zones. */
function poolRows(profile: ClusterProfile): string[][] {
  return profile.nodePools.map((pool) => [
    pool.name,
    String(pool.count),
    [pool.instanceType, formatCapacity(pool.capacity)].filter(Boolean).join(' / '),
    [pool.os, pool.arch, pool.osImage].filter(Boolean).join(' '),
    pool.taints.map(taint).join(' ') || '-',
    Object.entries(pool.labels)
      .filter(([key]) => !/^(kubernetes\.io|beta\.kubernetes\.io|node\.kubernetes\.io)\//.test(key))
      .map(([key, v]) => `${key}=${v}`)
      .join(' ') || '-',
    pool.zones.join(' ') || '-',
  ]);
}

function kubeadmStep(profile: ClusterProfile): Step {
  const captured = profile.controlPlane.kubeadmClusterConfiguration ?? {};
  const net = (captured['networking'] ?? {}) as Record<string, unknown>;
  const config = Object.assign(nullObject(captured), {
    apiVersion: captured['apiVersion'] ?? 'kubeadm.k8s.io/v1beta3',
    kind: 'ClusterConfiguration',
    kubernetesVersion: captured['kubernetesVersion'] ?? profile.kubernetes.gitVersion ?? FILL_IN('version'),
    controlPlaneEndpoint: FILL_IN(
      `new endpoint (the source used ${typeof captured['controlPlaneEndpoint'] === 'string' ? captured['controlPlaneEndpoint'] : 'unknown'})`,
    ),
    networking: Object.assign(nullObject(net), {
      podSubnet: net['podSubnet'] ?? profile.network.podCIDRs[0]?.value ?? FILL_IN('pod CIDR'),
      serviceSubnet: net['serviceSubnet'] ?? FILL_IN('service CIDR'),
      dnsDomain: net['dnsDomain'] ?? profile.network.dnsDomain?.value ?? 'cluster.local',
    }),
  });
  const cp = profile.controlPlane.nodeCount;
  const lines = ['kubeadm init --config cluster.yaml --upload-certs'];
  if (cp > 1)
    lines.push(
      `# then on each of the other ${cp - 1} control-plane node(s):`,
      'kubeadm join <endpoint> --control-plane --token <token> --discovery-token-ca-cert-hash <hash> --certificate-key <key>',
    );
  for (const pool of profile.nodePools) {
    lines.push(
      `# pool ${pool.name}: ${pool.count} node(s), each:`,
      'kubeadm join <endpoint> --token <token> --discovery-token-ca-cert-hash <hash>',
    );
    const labels = Object.entries(pool.labels).filter(
      ([key]) =>
        !/^(kubernetes\.io|beta\.kubernetes\.io|node\.kubernetes\.io|node-role\.kubernetes\.io)\//.test(key),
    );
    if (labels.length)
      lines.push(`kubectl label node <node> ${labels.map(([key, v]) => `${key}=${v}`).join(' ')}`);
    for (const t of pool.taints) lines.push(`kubectl taint node <node> ${taint(t)}`);
  }
  return {
    title: 'kubeadm: control plane and nodes',
    blocks: [
      p(
        profile.controlPlane.kubeadmClusterConfiguration
          ? 'cluster.yaml, from the captured kube-system/kubeadm-config ClusterConfiguration (secrets redacted; give the new endpoint):'
          : 'cluster.yaml (no kubeadm-config was captured; values from the cluster or to fill in):',
      ),
      code('yaml', stringify(config).trimEnd().split('\n')),
      code('sh', lines),
    ],
  };
}

function addonsStep(profile: ClusterProfile): Step {
  const s = profile.storage;
  const items = [
    ...profile.network.cni.map((c) => `Install the CNI ${c.value} (source: ${c.source})`),
    ...s.csiDrivers.map((d) => `Install the CSI driver ${d.name} (source: cluster CSIDriver)`),
    ...s.storageClasses.map(
      (c) =>
        `StorageClass ${c.name}${c.isDefault ? ' (default)' : ''}: provisioner ${c.provisioner}, reclaimPolicy ${c.reclaimPolicy ?? 'Delete'}, volumeBindingMode ${c.volumeBindingMode ?? 'Immediate'}${
          Object.keys(c.parameters).length
            ? `, parameters ${Object.entries(c.parameters)
                .map(([key, v]) => `${key}=${v}`)
                .join(', ')}`
            : ''
        }`,
    ),
    ...s.volumeSnapshotClasses.map((c) => `VolumeSnapshotClass ${c.name}: driver ${c.driver}`),
    ...profile.ingress.classes.map(
      (c) =>
        `Ingress controller for IngressClass ${c.name} (${c.controller})${c.isDefault ? ', default' : ''}`,
    ),
    ...(profile.ingress.loadBalancerServices.length
      ? [
          `A LoadBalancer implementation: the source had ${profile.ingress.loadBalancerServices.length} LoadBalancer Service(s)`,
        ]
      : []),
    ...[
      ...new Set(
        profile.kubernetes.webhooks.map(
          (w) => `${w.type} webhook ${w.configuration} (${w.target ?? 'unknown target'})`,
        ),
      ),
    ].map((w) => `Reinstall the owner of the ${w}`),
  ];
  return {
    title: 'Add-ons the workloads need',
    blocks: items.length
      ? [list(items)]
      : [
          p(
            'The profile lists no CNI, CSI drivers, StorageClasses or ingress classes: ' +
              FILL_IN('add-ons from your records'),
          ),
        ],
  };
}
