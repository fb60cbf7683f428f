import { PodVolumeAnnotations } from '../model/index.ts';
import type { PodForVolumes, PodVolumeSource, VolumeFacts } from './pod.ts';

/** A volume of a pod to back up, and the directory name the kubelet gives it (spec §1.2). */
export interface VolumeToBackUp {
  volume: string;
  /** `<dir>` of `<pods>/<podUID>/volumes/*\/<dir>`. */
  volumeDir: string;
  pvcName?: string;
  pvName?: string;
}

export interface SkippedVolume {
  volume: string;
  reason: string;
}

export interface VolumeSelection {
  backup: VolumeToBackUp[];
  skipped: SkippedVolume[];
}

/** What the selection needs besides the pod: its PVCs' bound PVs, by claim name. */
export interface VolumeLookup {
  /** The PV bound to a claim of the pod's namespace (undefined: the claim or its PV is not found). */
  claimVolume(claimName: string): VolumeFacts | undefined;
  defaultVolumesToFsBackup: boolean;
}

const splitList = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/**
 * The volumes Velero's file-system backup names for a pod: the opt-in annotation's, or (defaulting
 * to file-system backup) every volume but the opt-out annotation's and those whose data is the
 * cluster's own (secret, configMap, projected, downwardAPI, a default service-account token) or not
 * in the kubelet's pods directory (hostPath). Quietly left out by the defaulting, as Velero does.
 */
function namedVolumes(pod: PodForVolumes, defaulting: boolean): { names: string[]; optedOut: string[] } {
  const annotations = pod.metadata.annotations;
  const existing = new Set(pod.spec.volumes.map((v) => v.name));
  if (!defaulting) {
    const names = [...new Set(splitList(annotations?.[PodVolumeAnnotations.backupVolumes]))];
    return { names: names.filter((n) => existing.has(n)), optedOut: [] };
  }
  const excluded = new Set(splitList(annotations?.[PodVolumeAnnotations.backupVolumesExcludes]));
  const names: string[] = [];
  const optedOut: string[] = [];
  for (const v of pod.spec.volumes) {
    if (v.hostPath != null || v.secret != null || v.configMap != null) continue;
    if (v.projected != null || v.downwardAPI != null || v.name.startsWith('default-token')) continue;
    if (excluded.has(v.name)) optedOut.push(v.name);
    else names.push(v.name);
  }
  return { names, optedOut };
}

function mountedVolumes(pod: PodForVolumes): { mounted: Set<string>; devices: Set<string> } {
  const mounted = new Set<string>();
  const devices = new Set<string>();
  for (const c of [...pod.spec.initContainers, ...pod.spec.containers]) {
    for (const m of c.volumeMounts ?? []) mounted.add(m.name);
    for (const d of c.volumeDevices ?? []) devices.add(d.name);
  }
  return { mounted, devices };
}

/**
 * Which volumes of a pod are backed up, and why the others named for it are skipped: the pod is
 * not Running, a hostPath volume or a claim bound to a hostPath PV, a block volume, no container
 * mounts it, or its claim is not bound (Velero's rules, spec/volume-data.md §1.2).
 */
export function selectPodVolumes(pod: PodForVolumes, lookup: VolumeLookup): VolumeSelection {
  const { names } = namedVolumes(pod, lookup.defaultVolumesToFsBackup);
  const selection: VolumeSelection = { backup: [], skipped: [] };
  if (names.length === 0) return selection;
  const phase = pod.status?.phase ?? 'Unknown';
  if (phase !== 'Running') {
    for (const volume of names)
      selection.skipped.push({ volume, reason: `pod is ${phase}, not Running: its volumes are not mounted` });
    return selection;
  }
  const byName = new Map(pod.spec.volumes.map((v) => [v.name, v]));
  const { mounted, devices } = mountedVolumes(pod);
  for (const volume of names) {
    const source = byName.get(volume);
    if (source === undefined) continue;
    const decided = decide(source, lookup, mounted, devices);
    if ('reason' in decided) selection.skipped.push({ volume, reason: decided.reason });
    else selection.backup.push(decided);
  }
  return selection;
}

function decide(
  source: PodVolumeSource,
  lookup: VolumeLookup,
  mounted: Set<string>,
  devices: Set<string>,
): VolumeToBackUp | SkippedVolume {
  const volume = source.name;
  if (source.hostPath != null)
    return { volume, reason: 'hostPath volume: its data is not in the kubelet pods directory' };
  if (devices.has(volume))
    return { volume, reason: 'block volume (volumeDevices): file-system backup reads files only' };
  if (!mounted.has(volume)) return { volume, reason: 'no container mounts it' };
  const claim = source.persistentVolumeClaim?.claimName;
  if (claim === undefined) return { volume, volumeDir: source.csi != null ? `${volume}/mount` : volume };
  const pv = lookup.claimVolume(claim);
  if (pv === undefined) return { volume, reason: `claim ${claim} is not bound to a PersistentVolume` };
  if (pv.hostPath)
    return {
      volume,
      reason: `claim ${claim} is bound to hostPath PV ${pv.name}: its data is not in the kubelet pods directory`,
    };
  if (pv.block)
    return { volume, reason: `claim ${claim} is a block volume: file-system backup reads files only` };
  return { volume, volumeDir: pv.csi ? `${pv.name}/mount` : pv.name, pvcName: claim, pvName: pv.name };
}
