import type { ClusterProfile } from '../schema.ts';
import type { BackupContents } from '../capture/index.ts';
import { list, p, type RunbookDoc, type Step } from './doc.ts';
import { workloadSteps } from './aks-hci.ts';
import { managementSteps } from './aks-hci-mgmt.ts';
import { aksHciView } from '../aks-hci/index.ts';
import { clusterShapeSteps } from './generic.ts';
import { type RecoveryScope, restoreSteps } from './restore-steps.ts';

export const RUNBOOK_PLATFORMS = ['aks-hci', 'kubeadm', 'generic'] as const;
export type RunbookPlatform = (typeof RUNBOOK_PLATFORMS)[number];

export interface RunbookInput {
  backup: string;
  /** The backup's profile, or one derived from its contents (origin `backup-contents`). */
  profile: ClusterProfile;
  contents?: BackupContents | undefined;
  location?: string | undefined;
  platform: RunbookPlatform;
  /** A cluster of the fleet: its backups are under its prefix, read through a location there. */
  cluster?: RecoveryScope | undefined;
  /**
   * Which part of an AKS-HCI site: the management cluster's steps only, the workload cluster's only,
   * or both (a single cluster's runbook, the default).
   */
  part?: 'management' | 'workload' | 'both' | undefined;
}

/** The platform a runbook is written for when none is asked: what the profile looks like. */
export function defaultPlatform(profile: ClusterProfile): RunbookPlatform {
  const platform = profile.metadata.platform;
  return platform === 'aks-hci' || platform === 'kubeadm' ? platform : 'generic';
}

/**
 * The ordered recovery procedure for a backup (pure): rebuild the cluster to the source's shape
 * with the captured values, check the standby, restore, verify. Every value names its source or
 * is `<fill in: …>`.
 */
export function buildRunbook(input: RunbookInput): RunbookDoc {
  const { steps, clusterName } = platformSteps(input);
  steps.push(...restoreSteps(input, kubeconfigFrom(input, clusterName)));
  return {
    title: `Recovery runbook for backup ${input.backup} (${input.platform})`,
    intro: intro(input),
    steps,
  };
}

/** How to rebuild the cluster: AKS-HCI commands (management, workload or both), else its shape. */
function platformSteps(input: RunbookInput): { steps: Step[]; clusterName: string | undefined } {
  const { profile } = input;
  if (input.platform !== 'aks-hci')
    return { steps: clusterShapeSteps(profile, input.platform), clusterName: undefined };
  const part = input.part ?? 'both';
  const steps = part === 'workload' ? [] : managementSteps(profile, aksHciView(profile.attachments));
  if (part === 'management') return { steps, clusterName: undefined };
  const workload = workloadSteps(profile, input.cluster?.cluster);
  return { steps: [...steps, ...workload.steps], clusterName: workload.clusterName };
}

/** Where the rebuilt cluster's kubeconfig comes from, on AKS-HCI. */
function kubeconfigFrom(input: RunbookInput, clusterName: string | undefined): string | undefined {
  if (input.platform !== 'aks-hci') return undefined;
  if (input.part === 'management') return '(Get-AksHciConfig).Kva.kubeconfig on the new management cluster';
  return `Get-AksHciCredential -name ${clusterName ?? '<cluster>'}`;
}

/** Where the values come from, and the gaps (attachments missing for this part of the site). */
function intro(input: RunbookInput): ReturnType<typeof p>[] {
  const { profile } = input;
  const m = profile.metadata;
  const blocks = [
    p(
      m.origin === 'cluster'
        ? `Source cluster ${m.source}${m.context ? ` (context ${m.context})` : ''}, Kubernetes ${profile.kubernetes.gitVersion ?? 'unknown'}, captured ${m.capturedAt}; it looks like ${m.platform}.`
        : `Backup ${input.backup} has no cluster profile (made by Velero or without one): this runbook uses only what its contents show. Values marked <fill in: …> must come from your own records.`,
    ),
    p(
      'Values come from the cluster (read through the Kubernetes API when the backup was made) or from attached platform exports; the source is given next to each. Never paste a `<fill in: …>` as is.',
    ),
  ];
  const missing = profile.absent.map((a) => `${a.what}: ${a.reason}`);
  if (input.platform === 'aks-hci') {
    const kinds = new Set(profile.attachments.map((a) => a.kind));
    const part = input.part ?? 'both';
    for (const [kind, cmd, of] of [
      ['aks-hci-config', 'Get-AksHciConfig', 'management'],
      ['aks-hci-cluster', 'Get-AksHciCluster -name <cluster>', 'workload'],
      ['aks-hci-nodepool', 'Get-AksHciNodePool -clusterName <cluster>', 'workload'],
    ] as const)
      if (!kinds.has(kind) && (part === 'both' || part === of))
        missing.push(`${kind} not attached (${cmd} | ConvertTo-Json -Depth 10)`);
    for (const a of profile.attachments) for (const n of a.notes) missing.push(`${a.kind}: ${n}`);
    for (const a of profile.attachments)
      if (a.redacted.length)
        missing.push(`${a.kind}: redacted before storing (supply again): ${a.redacted.join(', ')}`);
  }
  if (missing.length > 0) blocks.push(p('Gaps and notes:'), list(missing));
  return blocks;
}
