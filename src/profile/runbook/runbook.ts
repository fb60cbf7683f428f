import type { ClusterProfile } from '../schema.ts';
import type { BackupContents } from '../capture/index.ts';
import { code, list, p, type RunbookDoc, type Step } from './doc.ts';
import { workloadSteps } from './aks-hci.ts';
import { managementSteps } from './aks-hci-mgmt.ts';
import { aksHciView } from '../aks-hci/index.ts';
import { clusterShapeSteps } from './generic.ts';

export const RUNBOOK_PLATFORMS = ['aks-hci', 'kubeadm', 'generic'] as const;
export type RunbookPlatform = (typeof RUNBOOK_PLATFORMS)[number];

export interface RunbookInput {
  backup: string;
  /** The backup's profile, or one derived from its contents (origin `backup-contents`). */
  profile: ClusterProfile;
  contents?: BackupContents | undefined;
  location?: string | undefined;
  platform: RunbookPlatform;
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
  const { profile } = input;
  let steps: Step[];
  let clusterName = '<cluster>';
  if (input.platform === 'aks-hci') {
    const workload = workloadSteps(profile);
    clusterName = workload.clusterName;
    steps = [...managementSteps(profile, aksHciView(profile.attachments)), ...workload.steps];
  } else steps = clusterShapeSteps(profile, input.platform);
  steps.push(...restoreSteps(input, clusterName));
  return {
    title: `Recovery runbook for backup ${input.backup} (${input.platform})`,
    intro: intro(input),
    steps,
  };
}

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
    for (const [kind, cmd] of [
      ['aks-hci-config', 'Get-AksHciConfig'],
      ['aks-hci-cluster', 'Get-AksHciCluster -name <cluster>'],
      ['aks-hci-nodepool', 'Get-AksHciNodePool -clusterName <cluster>'],
    ] as const)
      if (!kinds.has(kind)) missing.push(`${kind} not attached (${cmd} | ConvertTo-Json -Depth 10)`);
    for (const a of profile.attachments) for (const n of a.notes) missing.push(`${a.kind}: ${n}`);
    for (const a of profile.attachments)
      if (a.redacted.length)
        missing.push(`${a.kind}: redacted before storing (supply again): ${a.redacted.join(', ')}`);
  }
  if (missing.length > 0) blocks.push(p('Gaps and notes:'), list(missing));
  return blocks;
}

function restoreSteps(input: RunbookInput, clusterName: string): Step[] {
  const loc = input.location ? ` --storage-location ${input.location}` : '';
  const b = input.backup;
  const used = input.profile.storage.usedByBackup ?? [];
  const classes = used.filter((u) => u.storageClass !== '').map((u) => u.storageClass);
  const pvcNote = classes.length
    ? `The backup's PVCs use the StorageClasses ${classes.join(', ')}: each must exist on the standby, or be mapped with \`--storage-class-mappings ${classes[0]}:<standby class>\`.`
    : 'The backup has no PVCs that need a StorageClass.';
  const namespaces = input.contents?.namespaces ?? [];
  return [
    {
      title: 'Check the standby against the backup',
      blocks: [
        p(
          `With the kubeconfig of the new cluster${input.platform === 'aks-hci' ? ` (from Get-AksHciCredential -name ${clusterName})` : ''}:`,
        ),
        code('sh', [`lifeboat standby check --from-backup ${b}${loc} --kubeconfig <standby kubeconfig>`]),
        p(
          `Exit code 0: ready. 1: blocking findings — fix each as its hint says and check again. 2: the check could not run. ${pvcNote}`,
        ),
      ],
    },
    volumePasswordStep(input.location),
    {
      title: 'Restore',
      blocks: [
        code('sh', [
          `lifeboat restore create --from-backup ${b}${loc} --kubeconfig <standby kubeconfig> --existing-resource-policy none` +
            (classes.length ? ' [--storage-class-mappings old:new]' : ''),
        ]),
        p(
          'Add `--storage-class-mappings old:new` only for classes the standby check reported missing, `--namespace-mappings old:new` to restore beside existing namespaces, and `--existing-resource-policy update` only to overwrite objects that already exist.',
        ),
      ],
    },
    {
      title: 'Verify',
      blocks: [
        list([
          `\`lifeboat profile diff backup:${b} cluster:<standby kubeconfig>\` shows no blocking finding and the expected node pools`,
          '`kubectl get nodes -o wide`: node count, sizes and OS as listed above',
          `\`kubectl get pods -A\`: no pod Pending or CrashLoopBackOff${namespaces.length ? ` in ${namespaces.slice(0, 8).join(', ')}${namespaces.length > 8 ? ', …' : ''}` : ''}`,
          '`kubectl get pvc -A`: every PVC Bound',
          '`kubectl get svc -A | grep LoadBalancer`: point DNS records at the new external addresses',
        ]),
      ],
    },
  ];
}

/** Where the password of the location's kopia repositories (the volume data) lives, and checking it opens them. */
function volumePasswordStep(location: string | undefined): Step {
  const loc = location ?? '<location>';
  return {
    title: 'Volume data: the repository password',
    blocks: [
      p(
        "Volume data is in the kopia repositories under kopia/<namespace>/ of the location, encrypted with the repository password: Velero's default is `static-passw0rd`, from the Secret velero-repo-credentials (key repository-password) in Velero's namespace, unless it was changed. Keep a copy of it outside the cluster; without it the volume data cannot be read.",
      ),
      code('sh', [
        '# on the source cluster, ahead of time (or from your secret store):',
        "kubectl -n velero get secret velero-repo-credentials -o jsonpath='{.data.repository-password}' | base64 -d",
        '# lifeboat reads it from an environment variable or a file the location names (never the config itself):',
        `lifeboat location create ${loc} … --provider-config repositoryPasswordEnvVar=LIFEBOAT_REPO_PASSWORD   # or repositoryPasswordFile=/path`,
        `lifeboat repo snapshots --location ${loc}   # opens every repository: a wrong password fails here`,
      ]),
      p(
        'With neither set, lifeboat uses the static default and warns. On the standby, create velero-repo-credentials with the same password before Velero restores any volume.',
      ),
    ],
  };
}
