import { LifeboatError } from '../../errors/index.ts';
import { getOrUndefined, type KubeClient } from '../../kube/index.ts';
import {
  type KubeObject,
  parsePodVolumeRestore,
  POD_VOLUME_RESTORE_RESOURCE,
  PodVolumeLabels,
  type PodVolumeRestore,
  RESTORE_WAIT_CONTAINER,
} from '../../model/index.ts';
import {
  checkRestoreUid,
  containerStartedOnNode,
  findVolumeHostPath,
  parsePodForVolumes,
  type PodForVolumes,
  restoreWaitEnded,
  restoreWaitRunning,
  restoreWaitUser,
  selectPodVolumes,
  writeRestoreMarker,
} from '../../podvolumes/index.ts';
import { restoreRepoSnapshot } from '../repo/index.ts';
import {
  type BeforeDataCheck,
  MAX_LISTED_MISMATCHES,
  podClaims,
  wantsDataCheck,
} from '../agent-work/index.ts';
import type { AgentWorker, WorkContext, WorkItem } from './worker.ts';

const podPath = (ns: string, name: string) =>
  `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}`;

/** Why a PodVolumeRestore cannot be done at all (any agent may fail it): its pod is gone or replaced. */
function podProblem(pvr: PodVolumeRestore, pod: KubeObject | undefined): LifeboatError | undefined {
  const { namespace, name, uid } = pvr.spec.pod;
  if (pod === undefined)
    return new LifeboatError('NOT_FOUND', `pod ${namespace ?? ''}/${name ?? ''} is gone`, {
      hint: 'the restored pod was deleted before its data was written; run the restore again',
    });
  if (uid !== undefined && uid !== '' && pod.metadata['uid'] !== uid)
    return new LifeboatError(
      'NOT_FOUND',
      `pod ${namespace ?? ''}/${name ?? ''} was replaced (its UID changed)`,
      {
        hint: 'a controller re-created the restored pod; run the restore again (or delete the new pod so it is re-created with restore-wait)',
      },
    );
  return undefined;
}

/** The restore's UID, from the label the restore put on the object (the marker is named by it). */
function restoreUidOf(pvr: PodVolumeRestore): string {
  const uid = pvr.metadata.labels?.[PodVolumeLabels.restoreUid] ?? '';
  if (!checkRestoreUid(uid))
    throw new LifeboatError(
      'USAGE',
      `the PodVolumeRestore has no usable ${PodVolumeLabels.restoreUid} label`,
      {
        hint: "the restore-wait init container waits for the marker named by the restore's UID: create the object with that label",
      },
    );
  return uid;
}

/** The directory of the pod's volume on this node (Velero's lookup, spec/volume-data.md §1.2). */
async function volumeDirectory(pvr: PodVolumeRestore, pod: PodForVolumes, ctx: WorkContext): Promise<string> {
  const { volumes: claims } = await podClaims(ctx.client, pod);
  // The pod is Pending while restore-wait runs, yet its volumes are mounted (that is the rule the
  // work was taken under): the selection sees it as running.
  const annotated = {
    ...pod,
    metadata: { ...pod.metadata, annotations: { 'backup.velero.io/backup-volumes': pvr.spec.volume } },
    status: { ...pod.status, phase: 'Running' },
  };
  const selection = selectPodVolumes(annotated, {
    defaultVolumesToFsBackup: false,
    claimVolume: (c) => claims.get(c),
  });
  const skipped = selection.skipped[0];
  if (skipped !== undefined)
    throw new LifeboatError('UNSUPPORTED', `volume ${pvr.spec.volume} cannot be restored: ${skipped.reason}`);
  const volume = selection.backup[0];
  if (volume === undefined)
    throw new LifeboatError(
      'NOT_FOUND',
      `pod ${pod.metadata.namespace}/${pod.metadata.name} has no volume ${pvr.spec.volume}`,
    );
  return findVolumeHostPath(ctx.hostPods, pod.metadata.uid, volume.volumeDir);
}

/**
 * Restores one pod volume (Velero's restore micro-service): the snapshot from kopia/<source
 * namespace>/ of the location, written over the volume's directory on this node, then the marker
 * `.velero/<restore uid>` that lets the pod's restore-wait init container finish. Asked to
 * (data-check.ts), it re-reads and re-hashes the volume against the snapshot before the marker.
 */
export async function restorePodVolume(
  pvr: PodVolumeRestore,
  rawPod: KubeObject,
  ctx: WorkContext,
  beforeCheck?: BeforeDataCheck,
): Promise<Record<string, unknown>> {
  const restoreUid = restoreUidOf(pvr);
  const pod = parsePodForVolumes(rawPod);
  const dir = await volumeDirectory(pvr, pod, ctx);
  const snapshotSize = pvr.spec.snapshotSize;
  ctx.logger.info(
    { volume: pvr.spec.volume, snapshotID: pvr.spec.snapshotID, dir },
    `restoring snapshot ${pvr.spec.snapshotID} into volume ${pvr.spec.volume} of pod ${pod.metadata.namespace}/${pod.metadata.name}`,
  );
  const check = wantsDataCheck(pvr)
    ? {
        maxListed: MAX_LISTED_MISMATCHES,
        ignoreAtRoot: ['.velero'],
        ...(beforeCheck === undefined ? {} : { before: () => beforeCheck(dir, pvr) }),
      }
    : undefined;
  const { stats, snapshot, checked } = await restoreRepoSnapshot({
    configPath: ctx.configPath,
    location: pvr.spec.backupStorageLocation || undefined,
    logger: ctx.logger,
    signal: ctx.signal,
    snapshotId: pvr.spec.snapshotID,
    namespace: pvr.spec.sourceNamespace || undefined,
    targetDir: dir,
    overwrite: true,
    check,
    onProgress: (p) =>
      ctx.progress({
        bytesDone: p.bytes,
        ...((p.totalBytes ?? snapshotSize) === undefined ? {} : { totalBytes: p.totalBytes ?? snapshotSize }),
      }),
  });
  if (checked !== undefined)
    ctx.logger.info(
      { volume: pvr.spec.volume, checked: { ...checked, mismatches: checked.mismatches.slice(0, 3) } },
      `volume ${pvr.spec.volume} checked: ${checked.files} files, ${checked.mismatchCount} mismatches`,
    );
  await writeRestoreMarker(dir, restoreUid, restoreWaitUser(rawPod));
  const total = snapshot.size;
  ctx.logger.info({ volume: pvr.spec.volume, stats }, `volume ${pvr.spec.volume} restored`);
  return {
    progress: { totalBytes: total, bytesDone: total },
    ...(checked === undefined ? {} : { dataCheck: checked }),
  };
}

/** The pod a PodVolumeRestore names, as the API server has it now (undefined when gone). */
function currentPod(client: KubeClient, pvr: PodVolumeRestore): Promise<KubeObject | undefined> {
  const { namespace, name } = pvr.spec.pod;
  if (namespace === undefined || name === undefined || namespace === '' || name === '')
    return Promise.resolve(undefined);
  return getOrUndefined<KubeObject>(client, { path: podPath(namespace, name), retries: 2 });
}

/**
 * Whether this node's kubelet has begun to start the pod's restore-wait, seen in its pods directory:
 * the volumes are mounted then, as when the pod's status says restore-wait runs, which the API
 * server learns a second or so later.
 */
function restoreWaitStartedHere(pod: KubeObject, hostPods: string): Promise<boolean> {
  const uid = pod.metadata['uid'];
  if (typeof uid !== 'string') return Promise.resolve(false);
  return containerStartedOnNode(hostPods, uid, RESTORE_WAIT_CONTAINER).catch(() => false);
}

/**
 * The agent's pod volume restores: a PodVolumeRestore is this node's when its pod runs here and the
 * pod's restore-wait init container is running (Velero's rule: the kubelet has mounted the new
 * volumes) or this node's kubelet has begun to start it; until then it is pending, and the agent
 * looks again soon. One whose pod is gone or replaced is taken by any agent, to fail it with that reason;
 * one already claimed stays with the node that claimed it.
 */
export function podVolumeRestoreWorker(options: { beforeCheck?: BeforeDataCheck } = {}): AgentWorker {
  return {
    resource: POD_VOLUME_RESTORE_RESOURCE,
    async select(raw, { client, nodeName, hostPods, logger }): Promise<WorkItem | undefined> {
      let pvr: PodVolumeRestore;
      try {
        pvr = parsePodVolumeRestore(raw);
      } catch (err) {
        logger.debug({ err }, 'an unreadable PodVolumeRestore is left alone');
        return undefined;
      }
      const name = pvr.metadata.name;
      if (name === undefined) return undefined;
      const phase = pvr.status?.phase;
      const base = { name, object: pvr, phase, cancel: pvr.spec.cancel === true };
      if (phase !== undefined && phase !== 'New') {
        if (pvr.status?.node !== nodeName) return undefined;
        return { ...base, run: () => Promise.reject(new Error('already taken')) };
      }
      const pod = await currentPod(client, pvr).catch(() => undefined);
      const problem = podProblem(pvr, pod);
      if (problem !== undefined)
        return { ...base, claimStatus: { node: nodeName }, run: () => Promise.reject(problem) };
      if (pod === undefined) return undefined;
      const spec = pod['spec'] as { nodeName?: unknown } | undefined;
      if (spec?.nodeName !== nodeName) return undefined;
      if (!restoreWaitRunning(pod)) {
        if (restoreWaitEnded(pod) || base.cancel) return undefined;
        if (!(await restoreWaitStartedHere(pod, hostPods)))
          return { ...base, pending: true, run: () => Promise.reject(new Error('not ready')) };
      }
      return {
        ...base,
        claimStatus: { node: nodeName },
        run: (ctx) => restorePodVolume(pvr, pod, ctx, options.beforeCheck),
      };
    },
  };
}
