import type { ClusterProfile } from '../schema.ts';
import { formatCapacity } from './nodes.ts';

/** A profile as an operator reads it on a terminal: one section per area, values with their sources. */
export function summarizeProfile(profile: ClusterProfile): string {
  const m = profile.metadata;
  const k = profile.kubernetes;
  const n = profile.network;
  const s = profile.storage;
  const lines: string[] = [
    `Cluster profile of ${m.source}${m.backup ? ` (backup ${m.backup})` : ''}`,
    `  captured:        ${m.capturedAt} (${m.origin === 'cluster' ? 'through the Kubernetes API' : 'derived from the backup contents'})`,
    `  platform:        ${m.platform}`,
    `  Kubernetes:      ${k.gitVersion ?? 'unknown'}${k.kubeletVersions.length ? `, kubelets ${k.kubeletVersions.join(', ')}` : ''}`,
    `  API:             ${k.apiVersions.length} group versions, ${k.crds.length} CRDs, ${k.webhooks.length} admission webhooks, ${k.priorityClasses.length} PriorityClasses`,
    '',
    `Control plane: ${profile.controlPlane.nodeCount} node(s)`,
    ...profile.controlPlane.nodes.map(
      (x) =>
        `  ${x.name}  ${[x.instanceType, formatCapacity(x.capacity), x.osImage].filter(Boolean).join(' / ')}`,
    ),
    ...(profile.controlPlane.endpoint
      ? [`  endpoint: ${profile.controlPlane.endpoint.value}  (${profile.controlPlane.endpoint.source})`]
      : []),
    ...(profile.controlPlane.kubeadmClusterConfiguration ? ['  kubeadm ClusterConfiguration captured'] : []),
    '',
    `Node pools: ${profile.nodePools.length}`,
    ...profile.nodePools.map(
      (p) =>
        `  ${p.name}  ${p.count}× ${[p.instanceType, formatCapacity(p.capacity)].filter(Boolean).join(' / ')}  ${[p.os, p.arch].filter(Boolean).join('/')}` +
        `${p.taints.length ? `  taints ${p.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(' ')}` : ''}` +
        `${p.zones.length ? `  zones ${p.zones.join(',')}` : ''}  (grouped by ${p.groupedBy})`,
    ),
    '',
    'Network:',
    `  pod CIDRs:       ${n.podCIDRs.map((c) => `${c.value} (${c.source})`).join('; ') || 'unknown'}`,
    `  service CIDR:    ${n.serviceCIDR ? `${n.serviceCIDR.value} (${n.serviceCIDR.source})` : 'unknown'}`,
    `  cluster DNS:     ${n.dnsServiceIP?.value ?? 'unknown'}, domain ${n.dnsDomain ? `${n.dnsDomain.value} (${n.dnsDomain.source})` : 'unknown'}`,
    `  CNI:             ${n.cni.map((c) => `${c.value} (${c.source})`).join('; ') || 'not detected'}`,
    `  kube-proxy:      ${n.kubeProxyMode ? `${n.kubeProxyMode.value} (${n.kubeProxyMode.source})` : 'unknown'}`,
    '',
    'Storage:',
    ...s.storageClasses.map(
      (c) =>
        `  StorageClass ${c.name}${c.isDefault ? ' (default)' : ''}: ${c.provisioner}, ${c.reclaimPolicy ?? 'Delete'}, ${c.volumeBindingMode ?? 'Immediate'}`,
    ),
    `  CSI drivers:     ${s.csiDrivers.map((d) => d.name).join(', ') || 'none'}`,
    `  snapshot classes: ${s.volumeSnapshotClasses.map((c) => `${c.name} (${c.driver})`).join(', ') || 'none'}`,
    ...(s.usedByBackup
      ? [
          `  used by the backup's PVCs: ${s.usedByBackup.map((u) => `${u.storageClass || '(none)'} ×${u.pvcs}`).join(', ') || 'no PVCs'}`,
        ]
      : []),
    '',
    `Ingress classes: ${profile.ingress.classes.map((c) => `${c.name} (${c.controller})`).join(', ') || 'none'}`,
    `LoadBalancer Services: ${profile.ingress.loadBalancerServices.length}`,
    ...(profile.arc
      ? [
          `Azure Arc: ${Object.entries(profile.arc)
            .map(([key, v]) => `${key}=${v}`)
            .join(' ')}`,
        ]
      : []),
    `Attachments: ${profile.attachments.map((a) => `${a.kind} (${a.fileName}, ${a.encoding}${a.redacted.length ? `, ${a.redacted.length} value(s) redacted` : ''})`).join(', ') || 'none'}`,
  ];
  if (profile.absent.length > 0)
    lines.push('', 'Not captured:', ...profile.absent.map((a) => `  ${a.what}: ${a.reason}`));
  return `${lines.join('\n')}\n`;
}
