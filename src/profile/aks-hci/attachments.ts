import { basename } from 'node:path';
import type { LifeboatError } from '../../errors/index.ts';
import { type Attachment, type AttachmentKind, AttachmentKinds } from '../schema.ts';
import { decodeText, isTruncatedValue, parseJson, readDisplayForm, unwrapArray, usage } from './decode.ts';
import { findTruncation, truncationError, truncationWarning } from './truncation.ts';
import { redactTree } from '../capture/index.ts';
import { nullObject } from '../../model/index.ts';

/**
 * Import of AKS hybrid (AksHci PowerShell module) exports, spec/aks-hci.md §1–2: keys in any case,
 * enums as numbers, `NodePools`/`Taints` a string or a list, depth-truncated values, any encoding
 * PowerShell writes. Secrets are redacted before the document is kept.
 */

export const EXPORT_COMMANDS: Record<AttachmentKind, string> = {
  'aks-hci-config': 'Get-AksHciConfig | ConvertTo-Json -Depth 10 | Out-File aks-hci-config.json',
  'aks-hci-cluster':
    'Get-AksHciCluster -name <cluster> | ConvertTo-Json -Depth 10 | Out-File aks-hci-cluster.json',
  'aks-hci-nodepool':
    'Get-AksHciNodePool -clusterName <cluster> | ConvertTo-Json -Depth 10 | Out-File aks-hci-nodepool.json',
  'aks-hci-network':
    'Get-AksHciClusterNetwork -clusterName <cluster> | ConvertTo-Json -Depth 10 | Out-File aks-hci-network.json',
};

export function isAttachmentKind(kind: string): kind is AttachmentKind {
  return (AttachmentKinds as readonly string[]).includes(kind);
}

/** An export is a few kilobytes; anything this large is not one. */
const MAX_BYTES = 8 * 1024 * 1024;

/**
 * Reads one exported file into a redacted attachment; every failure names the file and the fix.
 * Values cut off by ConvertTo-Json's depth limit are listed in `truncated` (and a note); the file
 * is refused only when it is unreadable or not the cmdlet's output. Whether what was cut off is
 * needed is the caller's call (neededTruncation): a scheduled backup keeps what it has.
 */
export function importAttachment(
  kind: AttachmentKind,
  file: string,
  bytes: Buffer,
  now = new Date(),
): Attachment {
  if (bytes.length > MAX_BYTES)
    throw usage(
      `${file} is ${Math.round(bytes.length / 1024 / 1024)} MiB; a ${SHAPES[kind].cmdlet} export is a few kilobytes`,
      `export it again: ${EXPORT_COMMANDS[kind]}`,
    );
  const { text, encoding } = decodeText(bytes, file);
  const notes: string[] = [];
  const { value, unwrapped } = unwrapArray(parseJson(text, file, EXPORT_COMMANDS[kind]));
  if (unwrapped)
    notes.push('the array was wrapped as {"value": [...], "Count": n} (Windows PowerShell 5.1); unwrapped');
  const cut = findTruncation(kind, value);
  const redacted: string[] = [];
  const data = redactTree(value, redacted);
  const attachment: Attachment = {
    kind,
    fileName: basename(file),
    encoding,
    importedAt: now.toISOString(),
    redacted,
    notes,
    data,
  };
  checkShape(attachment, file);
  if (cut.truncated.length > 0) {
    attachment.truncated = cut.truncated;
    notes.push(truncationWarning(SHAPES[kind].cmdlet, cut.truncated));
  }
  if (cut.recovered.length > 0)
    notes.push(
      `cut to PowerShell's @{…} display form by ConvertTo-Json's depth limit, values read from it: ${cut.recovered.join(', ')}`,
    );
  notes.push(...readAttachment(attachment).notes);
  return attachment;
}

/** The cut-off values of an attachment that the runbook needs: an error naming them, or undefined. */
export function neededTruncation(a: Attachment, file: string): LifeboatError | undefined {
  const { needed } = findTruncation(a.kind, a.data);
  return needed.length > 0 ? truncationError(file, needed, EXPORT_COMMANDS[a.kind]) : undefined;
}

/** The warning to record for an attachment with values cut off that the runbook does not need. */
export function attachmentWarning(a: Attachment): string | undefined {
  return a.truncated?.length ? truncationWarning(SHAPES[a.kind].cmdlet, a.truncated) : undefined;
}

type Scalar = string | number | boolean | null;
/** A case-insensitive view of one PowerShell object. */
export class PsObject {
  readonly #keys = new Map<string, unknown>();
  constructor(value: unknown) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      for (const [k, v] of Object.entries(value)) this.#keys.set(k.toLowerCase(), v);
  }
  raw(name: string): unknown {
    return this.#keys.get(name.toLowerCase());
  }
  has(name: string): boolean {
    return this.#keys.has(name.toLowerCase());
  }
  /** A value as text; a value ConvertTo-Json cut down to a type name is no value. */
  str(name: string): string | undefined {
    const v = this.raw(name);
    return typeof v === 'string'
      ? v === '' || isTruncatedValue(v)
        ? undefined
        : v
      : typeof v === 'number' || typeof v === 'boolean'
        ? String(v)
        : undefined;
  }
  num(name: string): number | undefined {
    const v = this.raw(name);
    const n =
      typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : undefined;
    return n;
  }
  bool(name: string): boolean | undefined {
    const v = this.raw(name);
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
    return undefined;
  }
  /** A string, a list, or PowerShell's `{a, b}` display form, as a list. */
  list(name: string): string[] {
    const v = this.raw(name);
    if (Array.isArray(v))
      return v.filter((x): x is Scalar => x !== null && typeof x !== 'object').map(String);
    if (typeof v !== 'string' || v.trim() === '' || isTruncatedValue(v)) return [];
    const text = v.trim().replace(/^\{(.*)\}$/s, '$1');
    return text.split(/\s*,\s*/).filter((s) => s !== '');
  }
  /** A nested object, also when ConvertTo-Json cut it to its `@{a=…; b=…}` display form. */
  child(name: string): PsObject {
    const v = this.raw(name);
    return new PsObject(typeof v === 'string' ? readDisplayForm(v) : v);
  }
}

/** Documented value sets of enum-typed properties, in declaration order (spec §1.8–1.10). */
const ENUMS: Record<string, readonly string[]> = nullObject({
  ostype: ['Linux', 'Windows'],
  sku: ['HAProxy', 'none'],
});

/** An enum property: strings as they are; a number decoded by the documented order, with a note. */
function enumValue(obj: PsObject, name: string, where: string, notes: string[]): string | undefined {
  const v = obj.raw(name);
  if (typeof v !== 'number') return obj.str(name);
  const decoded = ENUMS[name.toLowerCase()]?.[v];
  notes.push(
    decoded
      ? `${where}${name} was the enum number ${v}; read as ${decoded} (documented order ${ENUMS[name.toLowerCase()]!.join(', ')}) — verify`
      : `${where}${name} was the enum number ${v}, which lifeboat cannot name — check it in PowerShell`,
  );
  return decoded ?? `${v}`;
}

export interface AksHciCluster {
  name: string;
  kubernetesVersion?: string | undefined;
  controlPlaneNodeCount?: number | undefined;
  controlPlaneVmSize?: string | undefined;
  nodePools: string[];
  linuxNodeCount?: number | undefined;
  windowsNodeCount?: number | undefined;
  autoScalerEnabled?: boolean | undefined;
  loadBalancer: { vmSize?: string | undefined; count?: number | undefined; sku?: string | undefined };
  provisioningState?: string | undefined;
}

export interface AksHciNodePool {
  clusterName?: string | undefined;
  name: string;
  version?: string | undefined;
  osType?: string | undefined;
  nodeCount?: number | undefined;
  vmSize?: string | undefined;
  taints: string[];
  autoScalerEnabled?: boolean | undefined;
}

export interface AksHciNetwork {
  name?: string | undefined;
  vswitchName?: string | undefined;
  ipAddressPrefix?: string | undefined;
  gateway?: string | undefined;
  dnsServers: string[];
  vlanId?: number | undefined;
  vipPoolStart?: string | undefined;
  vipPoolEnd?: string | undefined;
  k8sNodeIpPoolStart?: string | undefined;
  k8sNodeIpPoolEnd?: string | undefined;
}

export interface AksHciView {
  config?: { moc: PsObject; akshci: PsObject; kva: PsObject } | undefined;
  clusters: AksHciCluster[];
  nodePools: AksHciNodePool[];
  networks: AksHciNetwork[];
  notes: string[];
}

const items = (data: unknown): PsObject[] =>
  (Array.isArray(data) ? data : [data]).map((d) => new PsObject(d));

/** Normalised reading of one attachment (the stored data keeps the keys as exported). */
export function readAttachment(a: Attachment): AksHciView {
  const view: AksHciView = { clusters: [], nodePools: [], networks: [], notes: [] };
  const notes = view.notes;
  if (a.kind === 'aks-hci-config') {
    const o = new PsObject(a.data);
    view.config = { moc: o.child('Moc'), akshci: o.child('AksHci'), kva: o.child('Kva') };
  } else if (a.kind === 'aks-hci-cluster') {
    view.clusters = items(a.data).map((c) => {
      const lb = c.child('LoadBalancer');
      const where = `${c.str('Name') ?? 'cluster'}: `;
      if (typeof c.raw('NodePools') === 'string')
        notes.push(`${where}NodePools was a single string; read as a list of one`);
      return {
        name: c.str('Name') ?? '',
        kubernetesVersion: c.str('KubernetesVersion'),
        controlPlaneNodeCount: c.num('ControlPlaneNodeCount'),
        controlPlaneVmSize: c.str('ControlPlaneVmSize'),
        nodePools: c.list('NodePools'),
        linuxNodeCount: c.num('LinuxNodeCount'),
        windowsNodeCount: c.num('WindowsNodeCount'),
        autoScalerEnabled: c.bool('AutoScalerEnabled'),
        loadBalancer: {
          vmSize: lb.str('VMSize'),
          count: lb.num('Count'),
          sku: enumValue(lb, 'Sku', `${where}LoadBalancer.`, notes),
        },
        provisioningState: c.str('ProvisioningState') ?? c.child('Status').str('ProvisioningState'),
      };
    });
  } else if (a.kind === 'aks-hci-nodepool') {
    view.nodePools = items(a.data).map((p) => ({
      clusterName: p.str('ClusterName'),
      name: p.str('NodePoolName') ?? p.str('Name') ?? '',
      version: p.str('Version'),
      osType: enumValue(p, 'OsType', `${p.str('NodePoolName') ?? 'pool'}: `, notes),
      nodeCount: p.num('NodeCount'),
      vmSize: p.str('VmSize'),
      taints: p.list('Taints'),
      autoScalerEnabled: p.bool('AutoScalerEnabled'),
    }));
  } else {
    view.networks = items(a.data).map((n) => ({
      name: n.str('Name'),
      vswitchName: n.str('VswitchName'),
      ipAddressPrefix: n.str('IpAddressPrefix'),
      gateway: n.str('Gateway'),
      dnsServers: n.list('DnsServers'),
      vlanId: n.num('Vlanid') ?? n.num('VlanID'),
      vipPoolStart: n.str('VipPoolStart'),
      vipPoolEnd: n.str('VipPoolEnd'),
      k8sNodeIpPoolStart: n.str('K8snodeIPPoolStart'),
      k8sNodeIpPoolEnd: n.str('K8snodeIPPoolEnd'),
    }));
  }
  return view;
}

/** All attachments of a profile, merged into one view. */
export function aksHciView(attachments: readonly Attachment[]): AksHciView {
  const out: AksHciView = { clusters: [], nodePools: [], networks: [], notes: [] };
  for (const a of attachments) {
    const v = readAttachment(a);
    out.config ??= v.config;
    out.clusters.push(...v.clusters);
    out.nodePools.push(...v.nodePools);
    out.networks.push(...v.networks);
  }
  return out;
}

const SHAPES: Record<AttachmentKind, { cmdlet: string; any: string[] }> = {
  'aks-hci-config': { cmdlet: 'Get-AksHciConfig', any: ['Moc', 'AksHci', 'Kva'] },
  'aks-hci-cluster': {
    cmdlet: 'Get-AksHciCluster',
    any: ['ControlPlaneNodeCount', 'ControlPlaneVmSize', 'KubernetesVersion'],
  },
  'aks-hci-nodepool': { cmdlet: 'Get-AksHciNodePool', any: ['NodePoolName', 'VmSize', 'OsType'] },
  'aks-hci-network': {
    cmdlet: 'Get-AksHciClusterNetwork',
    any: ['VswitchName', 'VipPoolStart', 'IpAddressPrefix'],
  },
};

function checkShape(a: Attachment, file: string): void {
  const objects = items(a.data);
  const fits = (kind: AttachmentKind) =>
    objects.length > 0 && objects.every((o) => SHAPES[kind].any.some((k) => o.has(k)));
  if (fits(a.kind)) return;
  const other = AttachmentKinds.find((k) => k !== a.kind && fits(k));
  throw usage(
    `${file} does not look like ${SHAPES[a.kind].cmdlet} output (none of ${SHAPES[a.kind].any.join(', ')} found)`,
    other
      ? `it looks like ${SHAPES[other].cmdlet} output: attach it as ${other}=${file}`
      : `export it with: ${EXPORT_COMMANDS[a.kind]}`,
  );
}
