import { type ClusterProfile, deriveProfile, diffProfiles, type Finding } from '../../profile/index.ts';
import { loadBackupEvidence, type BackupQueryInput } from './backup-evidence.ts';
import { captureClusterProfile } from '../profile-capture/index.ts';
import { readProfileFile } from './profile-file.ts';

export interface ProfileSide {
  label: string;
  profile: ClusterProfile;
  /** True when the profile was derived from a backup without one. */
  derived: boolean;
}

/** A backup's profile, or — for a backup made without one — what its contents show. */
export async function backupProfile(query: BackupQueryInput, name: string): Promise<ProfileSide> {
  const evidence = await loadBackupEvidence(query, name);
  if (evidence.profile) return { label: `backup:${name}`, profile: evidence.profile, derived: false };
  return { label: `backup:${name}`, profile: deriveProfile(evidence.contents), derived: true };
}

/** One side of `profile diff`: `backup:NAME`, `cluster:KUBECONFIG[@CONTEXT]`, or a profile file. */
export async function resolveSide(query: BackupQueryInput, spec: string): Promise<ProfileSide> {
  if (spec.startsWith('backup:')) return backupProfile(query, spec.slice('backup:'.length));
  if (spec.startsWith('cluster:')) {
    const [kubeconfig, context] = spec.slice('cluster:'.length).split('@');
    const profile = await captureClusterProfile({ kubeconfig: kubeconfig || undefined, context });
    return { label: spec, profile, derived: false };
  }
  return { label: spec, profile: await readProfileFile(spec), derived: false };
}

export async function diffSides(
  query: BackupQueryInput,
  a: string,
  b: string,
): Promise<{ source: ProfileSide; target: ProfileSide; findings: Finding[] }> {
  const source = await resolveSide(query, a);
  const target = await resolveSide(query, b);
  return { source, target, findings: diffProfiles(source.profile, target.profile) };
}
