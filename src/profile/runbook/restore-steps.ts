import type { ClusterProfile } from '../schema.ts';
import type { BackupContents } from '../capture/index.ts';
import { code, list, p, type Step } from './doc.ts';

/**
 * A cluster of the fleet whose backups are under its own prefix of a location (Velero's BSL
 * prefix): the restore reads them through a read-only location at that prefix.
 */
export interface RecoveryScope {
  cluster: string;
  role: 'management' | 'workload';
  /** The full prefix inside the bucket. */
  prefix: string;
  /** The location of the config file that holds the prefix, and what a location at the prefix needs. */
  location: string;
  provider: string;
  bucket: string;
}

export interface RestoreInput {
  backup: string;
  profile: ClusterProfile;
  contents?: BackupContents | undefined;
  location?: string | undefined;
  cluster?: RecoveryScope | undefined;
}

/** A DNS-label name for the read-only location at a cluster's prefix. */
export function recoveryLocationName(cluster: string): string {
  return `${cluster.slice(0, 54).replace(/-+$/, '')}-recovery`;
}

/**
 * Check the new cluster, get the volume-data password, restore, verify. `kubeconfigFrom` says where
 * the new cluster's kubeconfig comes from (e.g. `Get-AksHciCredential -name <cluster>`).
 */
export function restoreSteps(input: RestoreInput, kubeconfigFrom: string | undefined): Step[] {
  const scope = input.cluster;
  const loc = scope
    ? ` --storage-location ${recoveryLocationName(scope.cluster)}`
    : input.location
      ? ` --storage-location ${input.location}`
      : '';
  const b = input.backup;
  const used = input.profile.storage.usedByBackup ?? [];
  const classes = used.filter((u) => u.storageClass !== '').map((u) => u.storageClass);
  const pvcNote = classes.length
    ? `The backup's PVCs use the StorageClasses ${classes.join(', ')}: each must exist on the standby, or be mapped with \`--storage-class-mappings ${classes[0]}:<standby class>\`.`
    : 'The backup has no PVCs that need a StorageClass.';
  const namespaces = input.contents?.namespaces ?? [];
  const check = scope
    ? `lifeboat standby check --cluster ${scope.cluster} --from-backup ${b}   # its registered standby; or add --kubeconfig <standby kubeconfig>`
    : `lifeboat standby check --from-backup ${b}${loc} --kubeconfig <standby kubeconfig>`;
  const read: Step[] = scope
    ? [{ title: `Read cluster ${scope.cluster}'s backups from its prefix`, blocks: prefixBlocks(scope) }]
    : [];
  return [
    ...read,
    {
      title: 'Check the standby against the backup',
      blocks: [
        p(`With the kubeconfig of the new cluster${kubeconfigFrom ? ` (from ${kubeconfigFrom})` : ''}:`),
        code('sh', [check]),
        p(
          `Exit code 0: ready. 1: blocking findings — fix each as its hint says and check again. 2: the check could not run. ${pvcNote}`,
        ),
      ],
    },
    volumePasswordStep(scope ? recoveryLocationName(scope.cluster) : input.location),
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
          `\`lifeboat profile diff backup:${b} cluster:<standby kubeconfig>\`${scope ? ` (with \`--storage-location ${recoveryLocationName(scope.cluster)}\`)` : ''} shows no blocking finding and the expected node pools`,
          '`kubectl get nodes -o wide`: node count, sizes and OS as listed above',
          `\`kubectl get pods -A\`: no pod Pending or CrashLoopBackOff${namespaces.length ? ` in ${namespaces.slice(0, 8).join(', ')}${namespaces.length > 8 ? ', …' : ''}` : ''}`,
          '`kubectl get pvc -A`: every PVC Bound',
          '`kubectl get svc -A | grep LoadBalancer`: point DNS records at the new external addresses',
        ]),
      ],
    },
  ];
}

/** The read-only location at the cluster's prefix, which the restore reads from. */
function prefixBlocks(scope: RecoveryScope) {
  return [
    p(
      `Cluster ${scope.cluster}'s backups are under the prefix \`${scope.prefix}/\` of location ${scope.location}. Read them through a read-only location at that prefix (give it the --provider-config and --credentials-file of location ${scope.location}); a Velero on the new cluster sees the same backups with a BackupStorageLocation of prefix \`${scope.prefix}\`.`,
    ),
    code('sh', [
      `lifeboat location create ${recoveryLocationName(scope.cluster)} --provider ${scope.provider} --bucket ${scope.bucket} --prefix ${scope.prefix} --access-mode ReadOnly`,
    ]),
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
