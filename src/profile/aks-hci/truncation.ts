import { LifeboatError } from '../../errors/index.ts';
import { isTruncatedValue, readDisplayForm, truncatedPaths } from './decode.ts';
import type { AttachmentKind } from '../schema.ts';
import { nullObject } from '../../model/index.ts';

/**
 * Windows PowerShell 5.1's `ConvertTo-Json` stops at -Depth 2 unless told otherwise, so the
 * operator's documented `Get-AksHciConfig | ConvertTo-Json > config.json` writes nested values as
 * type names (`"commands": "System.Collections.Hashtable"`). Such a file is accepted: what the
 * runbook needs (network, VIP pools, VM sizes, versions) sits at depth 1–2 and is all there. Only a
 * cut-off value the runbook reads makes it unusable.
 */

/** Per kind (and per Get-AksHciConfig section), the properties the runbook reads, in lower case. */
const NEEDED_CONFIG: Record<string, ReadonlySet<string>> = nullObject({
  moc: new Set([
    'ipaddressprefix',
    'gateway',
    'dnsservers',
    'cloudconfiglocation',
    'cloudservicecidr',
    'nodeagentport',
    'cloudagentport',
  ]),
  akshci: new Set([
    'workingdir',
    'version',
    'catalog',
    'ring',
    'proxyserverhttp',
    'proxyserverhttps',
    'proxyservernoproxy',
  ]),
  kva: new Set([
    'vnetname',
    'vswitchname',
    'k8snodeippoolstart',
    'k8snodeippoolend',
    'vnetvippoolstart',
    'vnetvippoolend',
    'vlanid',
    'imagedir',
    'controlplanevmsize',
  ]),
});

const NEEDED: Record<Exclude<AttachmentKind, 'aks-hci-config'>, ReadonlySet<string>> = {
  'aks-hci-cluster': new Set([
    'name',
    'kubernetesversion',
    'controlplanenodecount',
    'controlplanevmsize',
    'nodepools',
    'loadbalancer',
    'linuxnodecount',
    'windowsnodecount',
    'autoscalerenabled',
  ]),
  'aks-hci-nodepool': new Set([
    'nodepoolname',
    'name',
    'clustername',
    'version',
    'ostype',
    'nodecount',
    'vmsize',
    'taints',
    'autoscalerenabled',
  ]),
  'aks-hci-network': new Set([
    'name',
    'vswitchname',
    'ipaddressprefix',
    'gateway',
    'dnsservers',
    'vlanid',
    'vippoolstart',
    'vippoolend',
    'k8snodeippoolstart',
    'k8snodeippoolend',
  ]),
};

export interface Truncation {
  /** Paths cut to a type name: their values are not in the profile. */
  truncated: string[];
  /** Of those, the ones the runbook reads: the export cannot be used. */
  needed: string[];
  /** Paths cut to PowerShell's `@{a=…; b=…}` display form, whose values were read from it. */
  recovered: string[];
}

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

/** Where `data` (an export as parsed, arrays unwrapped) was cut by ConvertTo-Json's depth limit. */
export function findTruncation(kind: AttachmentKind, data: unknown): Truncation {
  const out: Truncation = { truncated: [], needed: [], recovered: [] };
  const field = (path: string, value: unknown, needed: boolean) => {
    if (typeof value === 'string' && isTruncatedValue(value) && readDisplayForm(value) !== undefined) {
      out.recovered.push(path);
      return;
    }
    const paths = truncatedPaths(value, path);
    out.truncated.push(...paths);
    if (needed) out.needed.push(...paths);
  };
  const fields = (obj: unknown, path: string, needed: (key: string) => boolean) => {
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return field(path, obj, true);
    for (const [k, v] of Object.entries(obj)) field(join(path, k), v, needed(k.toLowerCase()));
  };
  if (kind === 'aks-hci-config') {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return out;
    for (const [section, value] of Object.entries(data)) {
      const wanted = NEEDED_CONFIG[section.toLowerCase()];
      if (wanted === undefined) field(section, value, false);
      else fields(value, section, (k) => wanted.has(k));
    }
    return out;
  }
  const wanted = NEEDED[kind];
  if (Array.isArray(data)) data.forEach((item, i) => fields(item, `[${i}]`, (k) => wanted.has(k)));
  else fields(data, '', (k) => wanted.has(k));
  return out;
}

const shown = (paths: readonly string[]) =>
  paths.slice(0, 8).join(', ') + (paths.length > 8 ? ` and ${paths.length - 8} more` : '');

/** The warning for values cut off where the runbook does not look. */
export function truncationWarning(cmdlet: string, truncated: readonly string[]): string {
  return `${cmdlet} JSON was truncated by ConvertTo-Json's default depth at: ${shown(truncated)}; values there are not in the profile (export with ConvertTo-Json -Depth 10 to keep them)`;
}

/** The error for an export whose cut-off values the runbook needs. */
export function truncationError(
  file: string,
  needed: readonly string[],
  exportCommand: string,
): LifeboatError {
  return new LifeboatError(
    'USAGE',
    `${file}: ${needed.length} value(s) the recovery runbook needs were cut off by ConvertTo-Json's depth limit (default 2): ${shown(needed)}`,
    { hint: `re-run with ConvertTo-Json -Depth 10: ${exportCommand}` },
  );
}
