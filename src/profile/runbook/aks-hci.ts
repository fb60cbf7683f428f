import type { ClusterProfile, NodePool } from '../schema.ts';
import {
  aksHciView,
  type AksHciCluster,
  type AksHciNetwork,
  type AksHciNodePool,
  type AksHciView,
  inferVmSize,
} from '../aks-hci/index.ts';
import { code, FILL_IN, list, p, psCommand, val, type Param, type Step, type Val } from './doc.ts';
import { formatCapacity } from '../capture/index.ts';

const A = (kind: string, field: string) => `${kind} ${field}`;

interface PoolPlan {
  name: Val;
  count: Val;
  vmSize: Val;
  osType: Val;
  taints: Val | undefined;
  maxPods: Val | undefined;
}

/** The attached cluster this runbook rebuilds: the fleet's name for it, else the source's version, else the first. */
function pickCluster(view: AksHciView, profile: ClusterProfile, name?: string): AksHciCluster | undefined {
  if (view.clusters.length <= 1) return view.clusters[0];
  return (
    view.clusters.find((c) => name !== undefined && c.name.toLowerCase() === name.toLowerCase()) ??
    view.clusters.find((c) => c.kubernetesVersion === profile.kubernetes.gitVersion) ??
    view.clusters[0]
  );
}

function fromAttachedPool(ap: AksHciNodePool, pool: NodePool | undefined): PoolPlan {
  return {
    name: val(ap.name, A('aks-hci-nodepool', 'NodePoolName')),
    count: val(ap.nodeCount, A('aks-hci-nodepool', 'NodeCount')),
    vmSize: val(ap.vmSize, A('aks-hci-nodepool', 'VmSize')),
    osType: val(ap.osType, A('aks-hci-nodepool', 'OsType')),
    taints: ap.taints.length ? val(ap.taints.join(','), A('aks-hci-nodepool', 'Taints')) : undefined,
    maxPods: maxPods(pool),
  };
}

function fromClusterPool(pool: NodePool): PoolPlan {
  const size = pool.instanceType ?? inferVmSize(pool.capacity.cpu, pool.capacity.memoryBytes);
  const taints = pool.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`);
  return {
    name: val(undefined, `node pool name (cluster pool grouped by ${pool.groupedBy}: ${pool.name})`),
    count: val(pool.count, `cluster: ${pool.count} node(s) in pool ${pool.name}`),
    vmSize: val(
      size,
      size
        ? `cluster: node capacity ${formatCapacity(pool.capacity)} matches ${size} in Get-AksHciVmSize (inferred)`
        : `VM size for nodes of ${formatCapacity(pool.capacity)} (Get-AksHciVmSize)`,
    ),
    osType: val(
      pool.os === 'windows' ? 'Windows' : pool.os === 'linux' ? 'Linux' : undefined,
      `cluster: node label kubernetes.io/os=${pool.os ?? '?'}`,
    ),
    taints: taints.length
      ? val(taints.join(','), `cluster: taints of every node in pool ${pool.name}`)
      : undefined,
    maxPods: maxPods(pool),
  };
}

function maxPods(pool: NodePool | undefined): Val | undefined {
  const pods = pool?.capacity.pods;
  return pods !== undefined && pods !== 110
    ? val(pods, `cluster: node capacity pods in pool ${pool?.name}`)
    : undefined;
}

function planPools(
  view: AksHciView,
  cluster: AksHciCluster | undefined,
  profile: ClusterProfile,
): PoolPlan[] {
  const attached = view.nodePools.filter(
    (np) => !cluster || !np.clusterName || np.clusterName === cluster.name,
  );
  const byName = new Map(profile.nodePools.map((np) => [np.name, np]));
  if (attached.length > 0)
    return attached.map((ap) => fromAttachedPool(ap, byName.get(ap.name) ?? profile.nodePools[0]));
  return profile.nodePools.map(fromClusterPool);
}

/** Workload cluster: load balancer, cluster, pools, Arc, CSI, storage containers (spec §1.8–1.12). */
export function workloadSteps(
  profile: ClusterProfile,
  fleetName?: string,
): { steps: Step[]; clusterName: string } {
  const view = aksHciView(profile.attachments);
  const cluster = pickCluster(view, profile, fleetName);
  const clusterName = val(cluster?.name, A('aks-hci-cluster', 'Name'));
  const name = clusterName.value ?? FILL_IN('workload cluster name (no hyphens)');
  const pools = planPools(view, cluster, profile);
  const params = clusterParams(profile, cluster, clusterName, pools[0]);
  const net = view.networks[0];
  const steps: Step[] = [];
  if (net) {
    params.push(['vnet', { literal: '$cvnet' }]);
    steps.push(clusterNetworkStep(net));
  }
  steps.push(clusterStep(cluster, params, name));
  const extra = pools.slice(1);
  if (extra.length > 0) steps.push(otherPoolsStep(extra, name));
  steps.push(...storageSteps(profile, name), arcStep(profile, name));
  return { steps, clusterName: name };
}

/** New-AksHciCluster's parameters: the control plane, the first node pool, the CNI. */
function clusterParams(
  profile: ClusterProfile,
  cluster: AksHciCluster | undefined,
  clusterName: Val,
  first: PoolPlan | undefined,
): Param[] {
  const cpSize = profile.controlPlane.nodes[0];
  const inferredCp = cpSize ? inferVmSize(cpSize.capacity.cpu, cpSize.capacity.memoryBytes) : undefined;
  const cni = profile.network.cni
    .map((c) => c.value.toLowerCase())
    .find((c) => c === 'calico' || c === 'flannel');
  const params: Param[] = [
    ['name', clusterName],
    [
      'kubernetesVersion',
      cluster?.kubernetesVersion
        ? val(cluster.kubernetesVersion, A('aks-hci-cluster', 'KubernetesVersion'))
        : val(profile.kubernetes.gitVersion, 'cluster: /version gitVersion'),
    ],
    [
      'controlPlaneNodeCount',
      cluster?.controlPlaneNodeCount !== undefined
        ? val(cluster.controlPlaneNodeCount, A('aks-hci-cluster', 'ControlPlaneNodeCount'))
        : val(
            profile.controlPlane.nodeCount || undefined,
            'cluster: nodes labelled node-role.kubernetes.io/control-plane',
          ),
    ],
    [
      'controlPlaneVmSize',
      cluster?.controlPlaneVmSize
        ? val(cluster.controlPlaneVmSize, A('aks-hci-cluster', 'ControlPlaneVmSize'))
        : val(
            inferredCp,
            `cluster: control-plane capacity ${cpSize ? formatCapacity(cpSize.capacity) : '?'} matches in Get-AksHciVmSize (inferred)`,
          ),
    ],
    ['loadBalancerSettings', { literal: '$lb' }],
  ];
  if (first) {
    params.push(
      ['nodePoolName', first.name],
      ['nodeCount', first.count],
      ['nodeVmSize', first.vmSize],
      ['osType', first.osType],
    );
    if (first.taints) params.push(['taints', first.taints]);
    if (first.maxPods) params.push(['nodeMaxPodCount', first.maxPods]);
  }
  if (cni) params.push(['primaryNetworkPlugin', val(cni, `cluster: ${profile.network.cni[0]?.source}`)]);
  return params;
}

/** New-AksHciClusterNetwork, when the cluster had its own virtual network. */
function clusterNetworkStep(net: AksHciNetwork): Step {
  const cnet: Param[] = [
    ['name', val(net.name, 'aks-hci-network Name')],
    ['vswitchName', val(net.vswitchName, 'aks-hci-network VswitchName')],
    ['ipAddressPrefix', val(net.ipAddressPrefix, 'aks-hci-network IpAddressPrefix')],
    ['gateway', val(net.gateway, 'aks-hci-network Gateway')],
    ['dnsServers', val(net.dnsServers.join(','), 'aks-hci-network DnsServers')],
    ['vipPoolStart', val(net.vipPoolStart, 'aks-hci-network VipPoolStart')],
    ['vipPoolEnd', val(net.vipPoolEnd, 'aks-hci-network VipPoolEnd')],
    ['k8sNodeIpPoolStart', val(net.k8sNodeIpPoolStart, 'aks-hci-network K8snodeIPPoolStart')],
    ['k8sNodeIpPoolEnd', val(net.k8sNodeIpPoolEnd, 'aks-hci-network K8snodeIPPoolEnd')],
  ];
  if (net.vlanId) cnet.push(['vlanID', val(net.vlanId, 'aks-hci-network Vlanid')]);
  return {
    title: 'Workload cluster network',
    blocks: [
      p('The cluster had its own virtual network (Get-AksHciClusterNetwork).'),
      ...psCommand('$cvnet = ', 'New-AksHciClusterNetwork', cnet),
    ],
  };
}

/** New-AksHciLoadBalancerSetting, then New-AksHciCluster with `params`. */
function clusterStep(cluster: AksHciCluster | undefined, params: Param[], name: string): Step {
  const lb = cluster?.loadBalancer ?? {};
  const lbParams: Param[] = [
    ['name', val(undefined, 'load balancer setting name')],
    ['loadBalancerSku', val(lb.sku, A('aks-hci-cluster', 'LoadBalancer.Sku'))],
    ['vmSize', val(lb.vmSize, A('aks-hci-cluster', 'LoadBalancer.VMSize'))],
    ['loadBalancerCount', val(lb.count, A('aks-hci-cluster', 'LoadBalancer.Count'))],
  ];
  const lbNote = cluster
    ? []
    : [
        p(
          'No aks-hci-cluster was attached: the load balancer and control-plane values come from the cluster where possible. Attach `Get-AksHciCluster -name <cluster> | ConvertTo-Json -Depth 10` next time.',
        ),
      ];
  return {
    title: 'Workload cluster with the same control plane, load balancer and first node pool',
    blocks: [
      ...lbNote,
      ...psCommand('$lb = ', 'New-AksHciLoadBalancerSetting', lbParams, {
        loadBalancerSku: 'HAProxy or none (LoadBalancer.Sku of Get-AksHciCluster)',
      }),
      ...psCommand('', 'New-AksHciCluster', params),
      p(
        'After creation, compare `Get-AksHciCluster -name ' +
          name +
          '`: `LoadBalancer.VMSize` has been ignored with more than one load-balancer VM (Azure/aksArc#205).',
      ),
    ],
  };
}

/** New-AksHciNodePool for every pool after the first. */
function otherPoolsStep(extra: readonly PoolPlan[], name: string): Step {
  return {
    title: 'The other node pools',
    blocks: extra.flatMap((pool) => {
      const np: Param[] = [
        ['clusterName', { literal: name }],
        ['name', pool.name],
        ['count', pool.count],
        ['vmSize', pool.vmSize],
        ['osType', pool.osType],
      ];
      if (pool.taints) np.push(['taints', pool.taints]);
      if (pool.maxPods) np.push(['maxPodCount', pool.maxPods]);
      return psCommand('', 'New-AksHciNodePool', np);
    }),
  };
}

function arcStep(profile: ClusterProfile, name: string): Step {
  const arcBlocks = profile.arc
    ? [code('powershell', [`Enable-AksHciArcConnection -name ${name}`])]
    : [
        p(
          'The cluster was not Arc-connected (no azure-arc/azure-clusterconfig ConfigMap): skip `Enable-AksHciArcConnection` unless you want it.',
        ),
      ];
  return {
    title: 'Arc connection and credentials',
    blocks: [
      ...arcBlocks,
      code('powershell', [`Get-AksHciCredential -name ${name}`]),
      p('This writes the kubeconfig of the new cluster (the standby) for kubectl and lifeboat.'),
    ],
  };
}

function storageSteps(profile: ClusterProfile, name: string): Step[] {
  const provisioners = new Set([
    ...profile.storage.storageClasses.map((s) => s.provisioner),
    ...profile.storage.csiDrivers.map((d) => d.name),
  ]);
  const lines: string[] = [];
  if (provisioners.has('smb.csi.akshci.com')) lines.push(`Install-AksHciCsiSmb -clusterName ${name}`);
  if (provisioners.has('nfs.csi.akshci.com')) lines.push(`Install-AksHciCsiNfs -clusterName ${name}`);
  const containers = profile.storage.storageClasses.filter(
    (s) => s.provisioner === 'disk.csi.akshci.com' && s.parameters['container'],
  );
  const blocks = [
    p(
      'The disk CSI driver (disk.csi.akshci.com) is built in.' +
        (lines.length
          ? ' The source also used these file drivers:'
          : ' The source used no SMB/NFS CSI driver.'),
    ),
  ];
  if (lines.length) blocks.push(code('powershell', lines));
  for (const sc of containers)
    blocks.push(
      ...psCommand('', 'New-AksHciStorageContainer', [
        ['name', val(sc.parameters['container'], `cluster: StorageClass ${sc.name} parameters.container`)],
        ['path', val(undefined, 'CSV path for the container')],
      ]),
    );
  const custom = profile.storage.storageClasses.filter(
    (s) => s.provisioner.endsWith('.csi.akshci.com') && s.name !== 'default',
  );
  if (custom.length)
    blocks.push(
      p(
        'Recreate these StorageClasses before the restore; their `group` and `hostname` parameters name the old cloud agent, so copy them from `kubectl get storageclass default -o yaml` on the new cluster:',
      ),
      list(
        custom.map(
          (s) =>
            `${s.name}: provisioner ${s.provisioner}, parameters ${
              Object.entries(s.parameters)
                .filter(([k]) => k !== 'group' && k !== 'hostname')
                .map(([k, v]) => `${k}=${v}`)
                .join(', ') || 'none'
            } (source: cluster StorageClass)`,
        ),
      ),
    );
  return [{ title: 'Storage', blocks }];
}
