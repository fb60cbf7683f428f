import type { Logger } from '../../log/index.ts';
import { type BackupPhase, type LabelSelector, nullObject } from '../../model/index.ts';
import {
  buildSidecars,
  buildVeleroBackupJson,
  collectedPhase,
  type CollectOutcome,
  type ItemWatch,
  type MainListing,
  recordedSpec,
} from '../../backup/index.ts';
import { itemMessage } from '../../results/index.ts';
import type { ApiResource } from '../../kube/index.ts';
import { backupFileNames, type BackupUpload } from '../../store/index.ts';
import type { ConnectedCluster } from '../deps/cluster.ts';
import type { BackupRequest } from './backup-request.ts';

/** What a backup extension sees when the backup starts. */
export interface BackupExtensionContext {
  name: string;
  /** The UID velero-backup.json will record (Velero's Backup UID). */
  uid: string;
  /** The storage location's name. */
  location: string;
  cluster: ConnectedCluster;
  served: readonly ApiResource[];
  /** What the backup lists: an extension can watch those items instead of reading them again. */
  listing: MainListing;
  logger: Logger;
  /** Progress of the pod volumes, while the backup waits for them. */
  onPodVolumes?: (progress: PodVolumeProgressSummary) => void;
}

export interface PodVolumeProgressSummary {
  done: number;
  total: number;
  bytesDone: number;
  totalBytes: number;
}

/** One backup's run of an extension. */
export interface BackupExtensionRun {
  /** Items it sees as the backup lists and stores them (others are stored without being parsed). */
  watches?: readonly ItemWatch[];
  /** Its files, once the items are collected (possibly cut short when the cluster was lost). */
  files(outcome: CollectOutcome): Promise<{ fileName: string; body: Buffer }[]>;
  /** Counts velero-backup.json's status records, read once files() has ended (Velero's hookStatus). */
  status?(): { hooksAttempted?: number; hooksFailed?: number };
}

/**
 * Adds lifeboat's own files to a backup folder (e.g. the cluster profile), written before
 * velero-backup.json. start runs as the collection begins, so an extension can read the cluster
 * while items are listed. A failing extension is a backup error (PartiallyFailed), not a lost backup.
 */
export interface BackupExtension {
  name: string;
  start(context: BackupExtensionContext): BackupExtensionRun;
}

/** A started extension, by name. */
export interface StartedExtension {
  name: string;
  run: BackupExtensionRun;
}

export interface RecordInput {
  request: BackupRequest;
  uid: string;
  location: string;
  cluster: ConnectedCluster;
  /** The source cluster's identity (kube-system UID). */
  clusterUid: string;
  outcome: CollectOutcome;
  labelSelector: LabelSelector | undefined;
  started: Date;
  ttlMs: number;
  extensions: readonly StartedExtension[];
  logger: Logger;
  /** Ends the log capture and gives <name>-logs.gz. */
  finishLogs: () => Promise<Buffer>;
}

export interface BackupRecord {
  phase: BackupPhase;
  failureReason: string | undefined;
  completed: Date;
  expiration: Date;
}

/**
 * Writes everything but the tarball, in Velero's write order: lifeboat's extension files and the
 * sidecars (always all of them, as Velero writes them, empty when there is nothing to say), then
 * velero-backup.json last — the commit that makes the backup exist.
 */
export async function writeBackupRecord(upload: BackupUpload, input: RecordInput): Promise<BackupRecord> {
  const { request, outcome } = input;
  const name = request.name;
  let phase = collectedPhase(outcome);
  const failureReason = outcome.fatal?.message;
  // Extensions first (a failing one is logged, and the log is stored below), then every file at once.
  const files: { fileName: string; body: Buffer | Promise<Buffer> }[] = [];
  for (const extension of input.extensions) {
    try {
      files.push(...(await extension.run.files(outcome)));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      outcome.results.error(itemMessage({ message: `${extension.name} failed`, error: message }));
      if (phase === 'Completed') phase = 'PartiallyFailed';
      input.logger.error({ err }, `${extension.name} failed: ${message}`);
    }
  }
  let hooksAttempted = 0;
  let hooksFailed = 0;
  for (const extension of input.extensions) {
    const status = extension.run.status?.();
    hooksAttempted += status?.hooksAttempted ?? 0;
    hooksFailed += status?.hooksFailed ?? 0;
  }
  // Extensions may add errors of their own (e.g. a platform export left out of the profile).
  if (phase === 'Completed' && outcome.results.errorCount > 0) phase = 'PartiallyFailed';
  const completed = new Date();
  const expiration = new Date(input.started.getTime() + input.ttlMs);
  input.logger.info({ phase, items: outcome.itemsBackedUp }, `backup ${name} ${phase}`);
  const names = backupFileNames(name);
  const logs = input.finishLogs();
  const sidecars = buildSidecars(outcome);
  // An extension's file of a sidecar's name (the pod volume records) replaces the empty sidecar.
  const own = new Set(files.map((f) => f.fileName));
  const sidecarFiles = [
    { fileName: names.resourceList, body: sidecars.resourceList },
    { fileName: names.results, body: sidecars.results },
    { fileName: names.itemOperations, body: sidecars.itemOperations },
    { fileName: names.volumeSnapshots, body: sidecars.volumeSnapshots },
    { fileName: names.podVolumeBackups, body: sidecars.podVolumeBackups },
    { fileName: names.volumeInfo, body: sidecars.volumeInfo },
  ];
  files.push({ fileName: names.logs, body: logs }, ...sidecarFiles.filter((f) => !own.has(f.fileName)));
  // A store failure fails the backup: once no write is in flight, the caller removes what was written.
  const puts = await Promise.allSettled(files.map(async (f) => upload.putFile(f.fileName, await f.body)));
  for (const put of puts) if (put.status === 'rejected') throw put.reason;
  await upload.commit(
    buildVeleroBackupJson({
      name,
      uid: input.uid,
      storageLocation: input.location,
      labels: request.labels,
      annotations: request.annotations ?? nullObject(),
      sourceVersion: input.cluster.version,
      clusterUid: input.clusterUid,
      spec: {
        ...recordedSpec(request, input.labelSelector, input.ttlMs),
        ...(request.defaultVolumesToFsBackup === true ? { defaultVolumesToFsBackup: true } : {}),
        ...(request.hooks === undefined ? {} : { hooks: request.hooks }),
      },
      phase,
      startTimestamp: input.started,
      completionTimestamp: completed,
      expiration,
      failureReason,
      warnings: outcome.results.warningCount,
      errors: outcome.results.errorCount,
      itemsBackedUp: outcome.itemsBackedUp,
      totalItems: outcome.itemsBackedUp,
      hooksAttempted,
      hooksFailed,
    }),
  );
  return { phase, failureReason, completed, expiration };
}
