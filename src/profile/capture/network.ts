import { parse } from 'yaml';
import type { ClusterProfile, Sourced } from '../schema.ts';
import { rec, str, strings, type Obj, type ProfileReader } from './kube-read.ts';
import { Reads } from './reads.ts';
import { redactTree } from './redaction.ts';

type Network = ClusterProfile['network'];

export interface NetworkCapture {
  network: Network;
  kubeadm: Record<string, unknown> | undefined;
  endpoint: Sourced | undefined;
}

/** DaemonSet (or Deployment) name patterns of the CNI plugins, most specific first. */
const CNI_PATTERNS: [RegExp, string][] = [
  [/^canal/, 'Canal'],
  [/^calico-node$/, 'Calico'],
  [/flannel/, 'Flannel'],
  [/^cilium$/, 'Cilium'],
  [/^weave-net$/, 'Weave Net'],
  [/^antrea-agent$/, 'Antrea'],
  [/^kube-router$/, 'kube-router'],
  [/^aws-node$/, 'Amazon VPC CNI'],
  [/^(azure-cns|azure-cni)/, 'Azure CNI'],
  [/^kindnet$/, 'kindnet'],
  [/^ovnkube-node$/, 'OVN-Kubernetes'],
];

/** Network settings through the API (spec §4.5–4.6); each value says where it was read. */
export async function captureNetwork(reader: ProfileReader, nodes: readonly Obj[]): Promise<NetworkCapture> {
  const kubeadmCm = await reader.get(Reads.kubeadmConfig);
  const kubeadm = yamlRecord(kubeadmCm?.data?.['ClusterConfiguration']);
  const kubeadmNet = rec(kubeadm?.['networking']);
  const fromKubeadm = (field: string): Sourced | undefined => {
    const value = str(kubeadmNet[field]);
    return value === undefined
      ? undefined
      : { value, source: `kube-system/kubeadm-config ClusterConfiguration.networking.${field}` };
  };
  const proxyCm = await reader.get(Reads.kubeProxy);
  const proxyConf = yamlRecord(proxyCm?.data?.['config.conf']);
  const nodeArgs = k3sArgs(nodes);
  const arg = (flag: string): Sourced | undefined => {
    const value = nodeArgs?.args.get(flag);
    return value === undefined
      ? undefined
      : { value, source: `Node annotation ${nodeArgs?.annotation} ${flag}` };
  };

  const podCIDRs: Sourced[] = [];
  const podSubnet = fromKubeadm('podSubnet') ?? arg('--cluster-cidr');
  if (podSubnet) podCIDRs.push(...splitSourced(podSubnet));
  const proxyCidr = str(proxyConf?.['clusterCIDR']);
  if (podCIDRs.length === 0 && proxyCidr)
    podCIDRs.push(
      ...splitSourced({ value: proxyCidr, source: 'kube-system/kube-proxy config.conf clusterCIDR' }),
    );
  if (podCIDRs.length === 0) podCIDRs.push(...(await flannelOrCalico(reader)));
  if (podCIDRs.length === 0) {
    for (const n of nodes) {
      const cidrs = strings(rec(n.spec)['podCIDRs']);
      const one = str(rec(n.spec)['podCIDR']);
      for (const c of cidrs.length > 0 ? cidrs : one ? [one] : [])
        podCIDRs.push({ value: c, source: `Node ${n.metadata.name} spec.podCIDRs (this node's range only)` });
    }
  }

  const kubernetesSvc = await reader.get(Reads.kubernetesService);
  const kubernetesServiceIP = str(rec(kubernetesSvc?.spec)['clusterIP']);
  const serviceCIDR =
    fromKubeadm('serviceSubnet') ??
    arg('--service-cidr') ??
    (kubernetesServiceIP
      ? {
          value: `${kubernetesServiceIP} (first address of the range; prefix length unknown)`,
          source: 'inferred from the default/kubernetes Service clusterIP',
        }
      : undefined);

  const dnsServices = await reader.list(Reads.dnsServices);
  const dnsSvc = dnsServices[0];
  const dnsIp = str(rec(dnsSvc?.spec)['clusterIP']);
  const dnsServiceIP = dnsIp
    ? { value: dnsIp, source: `kube-system/${dnsSvc?.metadata.name} Service clusterIP` }
    : arg('--cluster-dns');
  const dnsDomain = fromKubeadm('dnsDomain') ?? arg('--cluster-domain') ?? (await corednsDomain(reader));

  const cni = await detectCni(reader, nodeArgs ? (arg('--cni') ?? arg('--flannel-backend')) : undefined);
  const mode = str(proxyConf?.['mode']);
  const kubeProxyMode: Sourced | undefined = proxyConf
    ? {
        value: mode ?? 'iptables',
        source: `kube-system/kube-proxy config.conf mode${mode ? '' : ' (empty: iptables)'}`,
      }
    : undefined;

  const endpointValue = str(kubeadm?.['controlPlaneEndpoint']);
  const endpoint = endpointValue
    ? { value: endpointValue, source: 'kube-system/kubeadm-config ClusterConfiguration.controlPlaneEndpoint' }
    : await clusterInfoEndpoint(reader);
  return {
    network: { podCIDRs, serviceCIDR, kubernetesServiceIP, dnsServiceIP, dnsDomain, cni, kubeProxyMode },
    kubeadm: kubeadm === undefined ? undefined : (redactTree(kubeadm, []) as Record<string, unknown>),
    endpoint,
  };
}

function yamlRecord(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function splitSourced(s: Sourced): Sourced[] {
  return s.value.split(',').map((v) => ({ value: v.trim(), source: s.source }));
}

/** k3s/RKE2 server arguments from a control-plane node's `*.io/node-args` annotation. */
function k3sArgs(nodes: readonly Obj[]): { annotation: string; args: Map<string, string> } | undefined {
  for (const n of nodes) {
    for (const annotation of ['rke2.io/node-args', 'k3s.io/node-args']) {
      const raw = n.metadata.annotations?.[annotation];
      if (raw === undefined) continue;
      let list: unknown;
      try {
        list = JSON.parse(raw);
      } catch {
        continue;
      }
      const items = strings(list);
      const args = new Map<string, string>();
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        if (!item.startsWith('--')) continue;
        const eq = item.indexOf('=');
        if (eq > 0) args.set(item.slice(0, eq), item.slice(eq + 1));
        else if (items[i + 1] !== undefined && !items[i + 1]!.startsWith('--')) args.set(item, items[++i]!);
      }
      return { annotation, args };
    }
  }
  return undefined;
}

async function flannelOrCalico(reader: ProfileReader): Promise<Sourced[]> {
  for (const target of Reads.flannel) {
    const cm = await reader.get(target);
    const conf = cm?.data?.['net-conf.json'];
    if (conf === undefined) continue;
    try {
      const network = str(rec(JSON.parse(conf))['Network']);
      if (network) return [{ value: network, source: `${target.what} net-conf.json Network` }];
    } catch {
      // not JSON: fall through
    }
  }
  if (!reader.serves('crd.projectcalico.org/v1')) return [];
  const pools = await reader.list(Reads.calicoIpPools);
  return pools.flatMap((p) => {
    const cidr = str(rec(p.spec)['cidr']);
    return cidr ? [{ value: cidr, source: `Calico IPPool ${p.metadata.name} spec.cidr` }] : [];
  });
}

async function corednsDomain(reader: ProfileReader): Promise<Sourced | undefined> {
  const cm = await reader.get(Reads.coredns);
  const corefile = cm?.data?.['Corefile'];
  const m = corefile === undefined ? null : /^\s*kubernetes\s+([^\s{]+)/m.exec(corefile);
  return m?.[1] ? { value: m[1], source: 'kube-system/coredns Corefile kubernetes plugin zone' } : undefined;
}

async function detectCni(reader: ProfileReader, fromArgs: Sourced | undefined): Promise<Sourced[]> {
  const found: Sourced[] = [];
  if (fromArgs) found.push(fromArgs);
  const daemonSets = await reader.list(Reads.daemonSets);
  for (const ds of daemonSets) {
    const match = CNI_PATTERNS.find(([re]) => re.test(ds.metadata.name));
    if (match && !found.some((f) => f.value === match[1]))
      found.push({ value: match[1], source: `DaemonSet ${ds.metadata.namespace}/${ds.metadata.name}` });
  }
  return found;
}

async function clusterInfoEndpoint(reader: ProfileReader): Promise<Sourced | undefined> {
  const cm = await reader.get(Reads.clusterInfo);
  const kubeconfig = yamlRecord(cm?.data?.['kubeconfig']);
  const cluster = rec(rec((kubeconfig?.['clusters'] as unknown[] | undefined)?.[0])['cluster']);
  const server = str(cluster['server']);
  return server ? { value: server, source: 'kube-public/cluster-info kubeconfig server' } : undefined;
}
