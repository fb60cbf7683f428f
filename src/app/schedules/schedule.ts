import {
  loadConfig,
  resolveLocation,
  saveConfig,
  ScheduleSchema,
  type BackupTemplate,
  type LifeboatConfig,
  type Schedule,
} from '../../config/index.ts';
import { LifeboatError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import { DEFAULT_BACKUP_TTL, nullObject, VeleroLabels } from '../../model/index.ts';
import type { KubeTarget } from '../../kube/index.ts';
import { resourceFilters, type ResourceFilters } from '../../selection/index.ts';
import {
  clusterScheduleBackupName,
  scheduleBackupName,
  scheduleCron,
  scheduleStatus,
  type ScheduleStatus,
} from '../../schedule/index.ts';
import { AttachmentKinds, isAttachmentKind } from '../../profile/index.ts';
import type { BackupRequest } from '../backup/run-backup.ts';
import { BackupIndex, ofCluster, type BackupRecord } from '../sync/sync.ts';
import type { ClusterScope } from '../clusters/index.ts';

export type { Schedule } from '../../config/index.ts';

/** One cluster's slot of a schedule: the cluster of the fleet and the slot's due time (its backup's name). */
export interface ClusterSlot {
  name: string;
  due: Date;
  /** The server replica running the slot (recorded in the backup's claim). */
  writer?: string | undefined;
  /** Where its backups go, as the server's fleet registry holds it (default: resolved from its name). */
  scope?: ClusterScope | undefined;
}
export type { ScheduleStatus } from '../../schedule/index.ts';
export { formatRetention, parseRetention } from '../../schedule/index.ts';

/** Validates a schedule with the config schema and its cron/time zone; USAGE errors name the field. */
export function validateSchedule(input: unknown): Schedule {
  const parsed = ScheduleSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.') || 'schedule';
    throw new LifeboatError('USAGE', `invalid schedule: ${field}: ${issue?.message ?? 'invalid'}`, {
      details: { field },
    });
  }
  scheduleCron(parsed.data);
  const kinds = new Set<string>();
  for (const [i, a] of (parsed.data.attachments ?? []).entries()) {
    if (!isAttachmentKind(a.kind) || kinds.has(a.kind))
      throw new LifeboatError(
        'USAGE',
        `invalid schedule: attachments.${i}.kind: ${kinds.has(a.kind) ? `${a.kind} given twice` : `expected one of ${AttachmentKinds.join(', ')}`}`,
        { details: { field: `attachments.${i}.kind` } },
      );
    kinds.add(a.kind);
  }
  return parsed.data;
}

export async function listSchedules(configPath: string | undefined): Promise<Schedule[]> {
  return (await loadConfig(configPath)).schedules ?? [];
}

export function findSchedule(config: LifeboatConfig, name: string): Schedule {
  const found = (config.schedules ?? []).find((s) => s.name === name);
  if (found !== undefined) return found;
  const known = (config.schedules ?? []).map((s) => s.name);
  throw new LifeboatError('NOT_FOUND', `no schedule named '${name}' in ${config.path}`, {
    hint:
      known.length === 0
        ? 'create one with: lifeboat schedule create NAME --schedule CRON'
        : `known schedules: ${known.join(', ')}`,
  });
}

export async function getSchedule(configPath: string | undefined, name: string): Promise<Schedule> {
  return findSchedule(await loadConfig(configPath), name);
}

export async function createSchedule(configPath: string | undefined, input: unknown): Promise<Schedule> {
  const schedule = validateSchedule(input);
  const config = await loadConfig(configPath);
  if ((config.schedules ?? []).some((s) => s.name === schedule.name)) {
    throw new LifeboatError(
      'ALREADY_EXISTS',
      `schedule '${schedule.name}' already exists in ${config.path}`,
      {
        hint: `delete it first with: lifeboat schedule delete ${schedule.name}`,
      },
    );
  }
  resolveLocation(config, schedule.storageLocation);
  await saveConfig({ ...config, schedules: [...(config.schedules ?? []), schedule] });
  return schedule;
}

export async function setSchedulePaused(
  configPath: string | undefined,
  name: string,
  paused: boolean,
): Promise<Schedule> {
  const config = await loadConfig(configPath);
  const { paused: _was, ...rest } = findSchedule(config, name);
  const updated: Schedule = paused ? { ...rest, paused } : rest;
  await saveConfig({
    ...config,
    schedules: (config.schedules ?? []).map((s) => (s.name === name ? updated : s)),
  });
  return updated;
}

/** Removes the schedule from the config; its backups stay (like Velero without owner references). */
export async function deleteSchedule(configPath: string | undefined, name: string): Promise<void> {
  const config = await loadConfig(configPath);
  findSchedule(config, name);
  await saveConfig({ ...config, schedules: (config.schedules ?? []).filter((s) => s.name !== name) });
}

/** What a template (a schedule's, or the API's ad-hoc backup's) asks of a backup: filters, pod volumes, hooks. */
export function templateRequest(
  t: BackupTemplate,
): Pick<BackupRequest, keyof ResourceFilters | 'defaultVolumesToFsBackup' | 'podVolumeTimeout' | 'hooks'> {
  return {
    ...resourceFilters(t),
    defaultVolumesToFsBackup: t.defaultVolumesToFsBackup === true,
    podVolumeTimeout: t.podVolumeTimeout,
    hooks: t.hooks,
  };
}

/**
 * The backup a schedule runs at `at`: Velero's name and labels, the schedule's template and TTL.
 * For one cluster of the fleet, the slot's name (`<schedule>-<cluster>-<due>`) under its prefix.
 */
export function scheduleBackupRequest(
  schedule: Schedule,
  at: Date,
  target: {
    kube: KubeTarget;
    configPath: string | undefined;
    cluster?: ClusterSlot | undefined;
    podVolumeNamespace?: string | undefined;
  },
): BackupRequest {
  const t = schedule.template ?? {};
  const slot = target.cluster;
  return {
    name:
      slot === undefined
        ? scheduleBackupName(schedule.name, at)
        : clusterScheduleBackupName(schedule.name, slot.name, slot.due),
    cluster: slot?.scope ?? slot?.name,
    writer: slot?.writer,
    ...templateRequest(t),
    podVolumeNamespace: target.podVolumeNamespace,
    storageLocation: schedule.storageLocation,
    ttl: schedule.ttl ?? DEFAULT_BACKUP_TTL,
    labels: nullObject([...Object.entries(t.labels ?? {}), [VeleroLabels.scheduleName, schedule.name]]),
    kube: target.kube,
    configPath: target.configPath,
  };
}

/** The location a schedule writes to (its own, else the default one). */
export function scheduleLocation(config: LifeboatConfig, schedule: Schedule): string {
  return resolveLocation(config, schedule.storageLocation).name;
}

/**
 * The schedule's backups in its location, as ScheduleStatus expects them; with cluster, only that
 * cluster's (and those recording no identity): another cluster's run is not this schedule's last run.
 */
export function backupsOfSchedule(
  records: readonly BackupRecord[],
  schedule: string,
  location: string,
  cluster?: string,
) {
  return records
    .filter((r) => r.schedule === schedule && r.location === location && ofCluster(r, cluster))
    .map((r) => ({ name: r.name, phase: r.phase, started: r.started, completed: r.completed }));
}

/** `schedule describe`: next runs, last successful backup, RPO status and missed runs, from the store. */
export async function describeSchedules(
  configPath: string | undefined,
  logger: Logger,
  names: readonly string[] | undefined,
  now = new Date(),
): Promise<ScheduleStatus[]> {
  const config = await loadConfig(configPath);
  const schedules =
    names === undefined ? (config.schedules ?? []) : names.map((n) => findSchedule(config, n));
  const index = new BackupIndex({ configPath, logger });
  const wanted = new Set(schedules.map((s) => scheduleLocation(config, s)));
  for (const name of wanted) await index.syncLocation(resolveLocation(config, name));
  return schedules.map((s) => {
    const location = scheduleLocation(config, s);
    const failed = index.locations().find((l) => l.name === location && !l.available);
    if (failed !== undefined) {
      throw new LifeboatError(
        'UNREACHABLE',
        `cannot list the backups of location '${location}': ${failed.message ?? ''}`,
        {
          hint: `check the location with: lifeboat location check ${location}`,
        },
      );
    }
    return scheduleStatus(s, backupsOfSchedule(index.backups(), s.name, location), now);
  });
}
