// What `lifeboat backup create` does: the backup.ts command loads it when the command runs, so that
// registering the command (and --help) loads neither the backup use case nor the profile code.
import type { Command } from 'commander';
import { LifeboatError } from '../errors/index.ts';
import {
  readHooksFile,
  runBackup,
  type BackupDeps,
  type BackupRequest,
  type BackupRunEvent,
  type BackupRunResult,
} from '../app/backup/index.ts';
import { createProgress, formatBytes, JSON_PROGRESS_INTERVAL_MS, throttledByPhase } from '../output/index.ts';
import { globalOptions, loggerFor } from './globals.ts';
import { backupLabels, ObjectName, parseWith } from './flags.ts';
import { type ResourceFilterFlags, resourceFilters } from './resource-filters.ts';
import { interruptible } from './interrupt.ts';
import { profileExtension, readAttachments, type Attachment } from '../app/profile-capture/index.ts';
import type { KubeTarget } from '../app/deps/index.ts';

export interface CreateOptions extends ResourceFilterFlags {
  fromSchedule?: string;
  storageLocation?: string;
  ttl: string;
  labels?: string;
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  attach?: string[];
  defaultVolumesToFsBackup?: boolean;
  podVolumeTimeout: string;
  podVolumeNamespace: string;
  hooksFile?: string;
  output: 'text' | 'json';
}

/** The schedule's own request replaces the flags' one: its name, labels, filters, TTL and location. */
function fromSchedule(
  schedule: string,
  command: Command,
  attachments: readonly Attachment[],
): (request: BackupRequest, deps: BackupDeps) => Promise<BackupRunResult> {
  return async (request, deps) => {
    // Loaded for this flag only: a plain backup does not load the scheduling code.
    const { runScheduleNow } = await import('../app/schedules/index.ts');
    return runScheduleNow(schedule, {
      ...deps,
      extensions: undefined,
      attachments,
      kube: request.kube,
      configPath: globalOptions(command).config,
      podVolumeNamespace: request.podVolumeNamespace,
    });
  };
}

export async function createBackup(
  name: string,
  opts: CreateOptions,
  command: Command,
): Promise<BackupRunResult> {
  const backupName = opts.fromSchedule === undefined ? parseWith(ObjectName, name, 'backup name') : '';
  if (opts.hooksFile !== undefined && opts.fromSchedule !== undefined)
    throw new LifeboatError('USAGE', '--hooks-file cannot be combined with --from-schedule', {
      hint: "a schedule's hooks are its own: lifeboat schedule create NAME --hooks-file FILE",
    });
  const hooks = opts.hooksFile === undefined ? undefined : await readHooksFile(opts.hooksFile);
  const kube = await kubeTarget(opts, globalOptions(command).config);
  const json = opts.output === 'json';
  const attachments = await readAttachments(opts.attach ?? []);
  const logger = loggerFor(command);
  const sink = createProgress({ json });
  // A script reading `-o json` gets a line per phase and at most one per interval within it, as
  // from a restore (a line at every resource and every 250 items was 84 lines for 12.6k items).
  const progress = json ? throttledByPhase(sink, JSON_PROGRESS_INTERVAL_MS) : sink;
  const started = Date.now();
  return interruptible(sink, async (signal) => {
    const run =
      opts.fromSchedule === undefined ? runBackup : fromSchedule(opts.fromSchedule, command, attachments);
    const result = await run(
      {
        name: backupName,
        ...resourceFilters(opts),
        storageLocation: opts.storageLocation,
        ttl: opts.ttl,
        labels: backupLabels(opts.labels, '--labels'),
        kube,
        cluster: opts.cluster,
        configPath: globalOptions(command).config,
        defaultVolumesToFsBackup: opts.defaultVolumesToFsBackup === true,
        podVolumeTimeout: opts.podVolumeTimeout,
        podVolumeNamespace: opts.podVolumeNamespace,
        hooks,
      },
      {
        logger,
        signal,
        extensions: [profileExtension(attachments)],
        onEvent: (e) =>
          progress.update(
            {
              phase: e.phase,
              resource: e.resource,
              itemsBackedUp: e.itemsBackedUp,
              resourcesDone: e.resourcesDone,
              resourcesTotal: e.resourcesTotal,
              bytesUploaded: e.bytesUploaded,
              ...(e.podVolumes ? { podVolumes: e.podVolumes } : {}),
            },
            progressLine(e),
          ),
      },
    );
    progress.done();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (json) process.stdout.write(`${JSON.stringify({ type: 'result', backup: result })}\n`);
    else {
      process.stdout.write(
        `Backup "${result.name}" ${result.phase}: ${result.itemsBackedUp} items in ${seconds} s, stored in location "${result.location}"${opts.cluster === undefined ? '' : ` for cluster "${opts.cluster}"`}.\n`,
      );
      if (result.failureReason) process.stdout.write(`  failure: ${result.failureReason}\n`);
      if (result.errors + result.warnings > 0)
        process.stdout.write(`  errors: ${result.errors}, warnings: ${result.warnings}\n`);
      process.stdout.write(`Run 'lifeboat backup describe ${result.name} --details' for details.\n`);
    }
    return result;
  });
}

/** The cluster to back up: --kubeconfig/--context, or a cluster of the fleet (never both). */
async function kubeTarget(opts: CreateOptions, configPath: string | undefined): Promise<KubeTarget> {
  if (opts.cluster === undefined) return { kubeconfig: opts.kubeconfig, context: opts.context };
  if (opts.kubeconfig !== undefined || opts.context !== undefined || opts.fromSchedule !== undefined)
    throw new LifeboatError(
      'USAGE',
      '--cluster names the cluster: give no --kubeconfig, --context or --from-schedule with it',
      {
        hint: 'lifeboat backup create NAME --cluster CLUSTER [filters]',
      },
    );
  // Loaded for this flag only: a plain backup does not load the fleet code.
  const { resolveClusterTarget } = await import('../app/clusters/index.ts');
  return resolveClusterTarget(configPath, opts.cluster);
}

/** The progress line: items and resources while collecting, then volumes and bytes while pod volumes run. */
function progressLine(e: BackupRunEvent): string {
  const v = e.podVolumes;
  if (v !== undefined) {
    const of = v.totalBytes > 0 ? ` of ${formatBytes(v.totalBytes)}` : '';
    return `backing up pod volumes  ${v.done}/${v.total} done  ${formatBytes(v.bytesDone)}${of}`;
  }
  return `backing up ${e.resource || '…'}  ${e.itemsBackedUp} items  ${e.resourcesDone}/${e.resourcesTotal} resources  ${formatBytes(e.bytesUploaded)} uploaded`;
}
