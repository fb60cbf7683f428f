import { LifeboatError } from '../../errors/index.ts';
import { getOrUndefined, type KubeClient } from '../../kube/index.ts';
import {
  nullObject,
  parsePodVolumeBackup,
  POD_VOLUME_BACKUP_RESOURCE,
  type PodVolumeBackup,
} from '../../model/index.ts';
import {
  findVolumeHostPath,
  parsePodForVolumes,
  type PodForVolumes,
  selectPodVolumes,
} from '../../podvolumes/index.ts';
import { snapshotDirectory, snapshotIdentity } from '../repo/index.ts';
import { podClaims } from '../agent-work/index.ts';
import type { AgentWorker, WorkContext } from './worker.ts';

const podPath = (ns: string, name: string) =>
  `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}`;

/** The pod a PodVolumeBackup names, as it runs now (the same UID), or an error saying what changed. */
async function currentPod(client: KubeClient, pvb: PodVolumeBackup): Promise<PodForVolumes> {
  const { namespace, name, uid } = pvb.spec.pod;
  if (namespace === undefined || name === undefined)
    throw new LifeboatError('USAGE', `the work object names no pod`, {
      hint: 'create it with spec.pod namespace and name',
    });
  const raw = await getOrUndefined<unknown>(client, { path: podPath(namespace, name), retries: 2 });
  if (raw === undefined)
    throw new LifeboatError('NOT_FOUND', `pod ${namespace}/${name} is gone`, {
      hint: 'the pod was deleted before its volume was backed up; run the backup again',
    });
  const pod = parsePodForVolumes(raw);
  if (uid !== undefined && uid !== '' && pod.metadata.uid !== uid)
    throw new LifeboatError('NOT_FOUND', `pod ${namespace}/${name} was replaced (its UID changed)`, {
      hint: 'the pod was re-created during the backup; run the backup again',
    });
  return pod;
}

/**
 * After (or while) its volume was read: the pod must still be the one the snapshot began with, not
 * deleted nor being deleted, or its volume directory may have been torn down under the snapshot.
 */
async function checkPodStayed(client: KubeClient, pvb: PodVolumeBackup, uid: string): Promise<void> {
  const { namespace = '', name = '' } = pvb.spec.pod;
  const raw = await getOrUndefined<{ metadata?: { uid?: unknown; deletionTimestamp?: unknown } }>(client, {
    path: podPath(namespace, name),
    retries: 2,
  });
  if (raw?.metadata?.uid === uid && raw.metadata.deletionTimestamp === undefined) return;
  throw new LifeboatError(
    'NOT_FOUND',
    `pod ${namespace}/${name} was ${raw === undefined || raw.metadata?.uid !== uid ? 'deleted' : 'being deleted'} while its volume ${pvb.spec.volume} was backed up: the snapshot may be incomplete and is not used`,
    { hint: 'keep the pod running during the backup (or exclude the volume), then run the backup again' },
  );
}

/** Backs up one pod volume: finds its directory on the node and snapshots it as Velero's uploader does. */
async function backUpVolume(pvb: PodVolumeBackup, ctx: WorkContext): Promise<Record<string, unknown>> {
  const pod = await currentPod(ctx.client, pvb);
  const { volumes: claims } = await podClaims(ctx.client, pod);
  const annotated = {
    ...pod,
    metadata: { ...pod.metadata, annotations: { 'backup.velero.io/backup-volumes': pvb.spec.volume } },
  };
  const selection = selectPodVolumes(annotated, {
    defaultVolumesToFsBackup: false,
    claimVolume: (c) => claims.get(c),
  });
  const skipped = selection.skipped[0];
  if (skipped !== undefined)
    throw new LifeboatError(
      'UNSUPPORTED',
      `volume ${pvb.spec.volume} cannot be backed up: ${skipped.reason}`,
    );
  const volume = selection.backup[0];
  if (volume === undefined)
    throw new LifeboatError(
      'NOT_FOUND',
      `pod ${pod.metadata.namespace}/${pod.metadata.name} has no volume ${pvb.spec.volume}`,
    );
  const path = await findVolumeHostPath(ctx.hostPods, pod.metadata.uid, volume.volumeDir);
  const identity = snapshotIdentity(
    `${pod.metadata.name}/${volume.pvcName ?? volume.volume}`,
    pod.metadata.namespace,
    { tags: nullObject<string>() },
  );
  let uploaded = 0;
  const made = snapshotDirectory({
    configPath: ctx.configPath,
    location: pvb.spec.backupStorageLocation || undefined,
    logger: ctx.logger,
    signal: ctx.signal,
    dir: path,
    namespace: pod.metadata.namespace,
    workers: 'auto',
    ...identity,
    onProgress: (p) => {
      uploaded = Math.max(uploaded, p.uploadedBytes ?? 0);
      ctx.progress({
        bytesDone: p.bytes,
        ...(p.totalBytes === undefined ? {} : { totalBytes: p.totalBytes }),
      });
    },
  });
  // A read that failed because the pod went away is reported as that, not as the read error.
  const { snapshot } = await made.catch(async (err: unknown) => {
    await checkPodStayed(ctx.client, pvb, pod.metadata.uid);
    throw err;
  });
  await checkPodStayed(ctx.client, pvb, pod.metadata.uid);
  return {
    path,
    snapshotID: snapshot.id,
    progress: { totalBytes: snapshot.size, bytesDone: snapshot.size },
    incrementalBytes: uploaded,
  };
}

/** The agent's pod volume backups: the PodVolumeBackups whose spec.node is this node. */
export function podVolumeBackupWorker(): AgentWorker {
  return {
    resource: POD_VOLUME_BACKUP_RESOURCE,
    select(raw, { nodeName, logger }) {
      let pvb: PodVolumeBackup;
      try {
        pvb = parsePodVolumeBackup(raw);
      } catch (err) {
        logger.debug({ err }, 'an unreadable PodVolumeBackup is left alone');
        return Promise.resolve(undefined);
      }
      const name = pvb.metadata.name;
      if (pvb.spec.node !== nodeName || name === undefined) return Promise.resolve(undefined);
      return Promise.resolve({
        name,
        object: pvb,
        phase: pvb.status?.phase,
        cancel: pvb.spec.cancel === true,
        run: (ctx) => backUpVolume(pvb, ctx),
      });
    },
  };
}
