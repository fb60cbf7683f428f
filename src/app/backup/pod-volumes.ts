import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { goEncodeLine } from '../../gojson/index.ts';
import { KubeApiError, type KubeClient } from '../../kube/index.ts';
import { LifeboatError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import {
  type KubeObject,
  parsePodVolumeBackup,
  PodVolumeAnnotations,
  type PodVolumeBackup,
} from '../../model/index.ts';
import { itemMessage, type ResultsCollector } from '../../results/index.ts';
import { backupFileNames } from '../../store/index.ts';
import { parsePodForVolumes, selectPodVolumes } from '../../volumedata/index.ts';
import { failureMessage, podClaims, workPath } from '../agent/index.ts';
import type { BackupExtension } from './backup-record.ts';
import {
  type BackupIdentity,
  newPodVolumeBackup,
  podVolumeInfo,
  type PodVolumeInfo,
  veleroPodVolumeBackup,
} from './pod-volume-objects.ts';
import { waitForPodVolumes, type WaitOptions } from './pod-volume-wait.ts';

const gzipAsync = promisify(gzip);

export interface PodVolumeOptions {
  defaultVolumesToFsBackup: boolean;
  /** lifeboat's namespace, where the agents take the work objects. */
  namespace: string;
  wait: WaitOptions;
}

interface Created {
  pvb: PodVolumeBackup;
  pvName: string | undefined;
}

/**
 * Pod volume file-system backup as an extension of the backup: every Running pod the backup stores
 * gets a PodVolumeBackup per volume to back up while the collection goes on; at the end the backup
 * waits for all of them, records each failed volume as an error and each skipped one as a warning,
 * writes Velero's `-podvolumebackups.json.gz` and `-volumeinfo.json.gz`, and deletes the work objects.
 */
export function podVolumeExtension(options: PodVolumeOptions): BackupExtension {
  return {
    name: 'pod volume backup',
    start(context) {
      const { client } = context.cluster;
      const backup: BackupIdentity = { name: context.name, uid: context.uid, location: context.location };
      const created: Created[] = [];
      const notes: ((results: ResultsCollector) => void)[] = [];
      let queue: Promise<void> = Promise.resolve();
      const enqueue = (pod: KubeObject) => {
        queue = queue.then(() =>
          startPod(client, options, backup, pod, created, notes, context.logger).catch((err: unknown) => {
            const message = failureMessage(err);
            notes.push((r) => r.error(podError(pod, 'pod volume backup could not start', message)));
          }),
        );
      };
      return {
        watches: [
          {
            groupResource: 'pods',
            ...(options.defaultVolumesToFsBackup ? {} : { mentions: PodVolumeAnnotations.backupVolumes }),
            see: (item, stored) => {
              if (stored) enqueue(item);
            },
          },
        ],
        async files(outcome) {
          await queue;
          for (const note of notes) note(outcome.results);
          const finished = await waitForPodVolumes(
            client,
            options.namespace,
            created.map((c) => c.pvb),
            {
              ...options.wait,
              logger: context.logger,
            },
          );
          const records: PodVolumeBackup[] = [];
          const infos: PodVolumeInfo[] = [];
          finished.forEach((pvb, i) => {
            records.push(veleroPodVolumeBackup(pvb, backup));
            infos.push(podVolumeInfo(pvb, created[i]?.pvName));
            if (pvb.status?.phase !== 'Completed') outcome.results.error(volumeError(pvb));
          });
          await deleteWork(client, options.namespace, finished, context.logger);
          const names = backupFileNames(context.name);
          return [
            {
              fileName: names.podVolumeBackups,
              body: await gzipAsync(goEncodeLine(records.length ? records : null)),
            },
            { fileName: names.volumeInfo, body: await gzipAsync(goEncodeLine(infos)) },
          ];
        },
      };
    },
  };
}

function podError(pod: KubeObject, message: string, error?: string) {
  return itemMessage({
    namespace: pod.metadata.namespace,
    resource: 'pods',
    name: pod.metadata.name,
    message,
    ...(error === undefined ? {} : { error }),
  });
}

function volumeError(pvb: PodVolumeBackup) {
  const { namespace, name } = pvb.spec.pod;
  return itemMessage({
    namespace,
    resource: 'pods',
    name,
    message: `pod volume backup of volume ${pvb.spec.volume} of pod ${namespace ?? ''}/${name ?? ''} ${pvb.status?.phase ?? 'Failed'}`,
    error: pvb.status?.message ?? 'no message',
  });
}

/** Creates the PodVolumeBackups of one stored pod, and notes the volumes it skips and why. */
async function startPod(
  client: KubeClient,
  options: PodVolumeOptions,
  backup: BackupIdentity,
  item: KubeObject,
  created: Created[],
  notes: ((results: ResultsCollector) => void)[],
  logger: Logger,
): Promise<void> {
  const pod = parsePodForVolumes(item);
  const claims = await podClaims(client, pod);
  const selection = selectPodVolumes(pod, {
    defaultVolumesToFsBackup: options.defaultVolumesToFsBackup,
    claimVolume: (claim) => claims.volumes.get(claim),
  });
  for (const skipped of selection.skipped) {
    logger.warn(
      { namespace: pod.metadata.namespace, pod: pod.metadata.name, volume: skipped.volume },
      skipped.reason,
    );
    notes.push((r) =>
      r.warning(podError(item, `volume ${skipped.volume} skipped by pod volume backup: ${skipped.reason}`)),
    );
  }
  for (const volume of selection.backup) {
    const pvcUid = volume.pvcName === undefined ? undefined : claims.uids.get(volume.pvcName);
    const body = newPodVolumeBackup(backup, options.namespace, pod, volume, pvcUid);
    const pvb = parsePodVolumeBackup(await createWork(client, options.namespace, body));
    logger.info(
      {
        namespace: pod.metadata.namespace,
        pod: pod.metadata.name,
        volume: volume.volume,
        node: body.spec.node,
      },
      `pod volume backup ${pvb.metadata.name ?? ''} created`,
    );
    created.push({ pvb, pvName: volume.pvName });
  }
}

async function deleteWork(client: KubeClient, namespace: string, pvbs: PodVolumeBackup[], logger: Logger) {
  for (const pvb of pvbs) {
    const name = pvb.metadata.name;
    if (name === undefined) continue;
    await client
      .json({ method: 'DELETE', path: workPath(namespace, 'podvolumebackups', name), retries: 2 })
      .catch((err: unknown) => logger.warn({ err, name }, 'a pod volume work object could not be deleted'));
  }
}

/** Creates a work object; a missing namespace or CRD is said as what to install. */
async function createWork(client: KubeClient, namespace: string, body: PodVolumeBackup): Promise<unknown> {
  try {
    return await client.json<unknown>({
      method: 'POST',
      path: workPath(namespace, 'podvolumebackups'),
      body,
    });
  } catch (err) {
    if (!(err instanceof KubeApiError && err.status === 404)) throw err;
    throw new LifeboatError(
      'NOT_FOUND',
      `cannot hand pod volumes to the lifeboat agents in namespace ${namespace}: ${err.message}`,
      {
        cause: err,
        hint: "apply deploy/kubernetes/volumes/ (the lifeboat.io CRDs and the agent DaemonSet) in that namespace, or name the agents' namespace with --pod-volume-namespace",
      },
    );
  }
}
