import { type Command, Option } from 'commander';
import { setFlagsFromString } from 'node:v8';
import { LifeboatError, ExitCode } from '../errors/index.ts';
import {
  readHooksFile,
  runBackup,
  type BackupDeps,
  type BackupRequest,
  type BackupRunEvent,
  type BackupRunResult,
} from '../app/backup/index.ts';
import { createProgress, formatBytes } from '../output/index.ts';
import { globalOptions, loggerFor } from './globals.ts';
import { attachOption, backupLabels, list, ObjectName, parseWith, tristate } from './flags.ts';
import { registerBackupQueryCommands } from './backup-query.ts';
import { interruptible } from './interrupt.ts';
import { profileExtension, readAttachments, type Attachment } from '../app/profile/index.ts';
import type { KubeTarget } from '../app/deps/index.ts';

export function registerBackupCommands(program: Command): void {
  const backup = program.command('backup').description('create, list, inspect, verify and delete backups');
  backup
    .command('create')
    .description('back up a cluster to a storage location, in Velero’s format')
    .argument('[name]', 'backup name (a Kubernetes object name, unique in the location)')
    .option(
      '--from-schedule <schedule>',
      "run that schedule's backup now, named <schedule>-<yyyyMMddHHmmss> (filters, TTL and location from the schedule)",
    )
    .option('--include-namespaces <list>', 'namespaces to include, globs allowed (default: all)')
    .option('--exclude-namespaces <list>', 'namespaces to exclude, globs allowed')
    .option('--include-resources <list>', 'resources to include, as resource.group (default: all)')
    .option('--exclude-resources <list>', 'resources to exclude, as resource.group')
    .option('-l, --selector <selector>', 'only items with these labels (kubectl syntax)')
    .addOption(
      new Option(
        '--include-cluster-resources <mode>',
        'cluster-scoped resources: true, false, or auto (only for whole-cluster backups)',
      )
        .choices(['true', 'false', 'auto'])
        .default('auto'),
    )
    .option('--storage-location <name>', 'storage location (default: the default location)')
    .option('--ttl <duration>', 'how long to keep the backup (Go duration)', '720h0m0s')
    .option('--labels <k=v,...>', 'labels to put on the backup')
    .option(
      '--kubeconfig <file>',
      'kubeconfig of the cluster to back up (default: $KUBECONFIG, ~/.kube/config)',
    )
    .option('--context <name>', 'kubeconfig context')
    .option(
      '--cluster <name>',
      "a cluster of the fleet (see 'lifeboat cluster get'): its kubeconfig, its location, under its prefix",
    )
    .addOption(attachOption())
    .option(
      '--default-volumes-to-fs-backup',
      'back up every pod volume by file-system backup (opt out per pod: annotation backup.velero.io/backup-volumes-excludes); needs the lifeboat agent (deploy/kubernetes/volumes/)',
    )
    .option('--pod-volume-timeout <duration>', 'how long the pod volumes may take together', '4h')
    .option(
      '--hooks-file <file>',
      "Velero's spec.hooks in YAML or JSON ({resources: [...]}, or a Velero Backup manifest): exec hooks run on the pods backed up, chosen by namespace, resource and labels; a pod's hook annotations take precedence",
    )
    .addOption(
      new Option('--pod-volume-namespace <ns>', 'namespace of the lifeboat agents and their work objects')
        .env('LIFEBOAT_NAMESPACE')
        .default('lifeboat'),
    )
    .option(
      '--wait',
      'wait for completion (lifeboat always runs the backup to its end; accepted for Velero users)',
    )
    .addOption(
      new Option('-o, --output <format>', 'text, or json for a JSON progress stream and result')
        .choices(['text', 'json'])
        .default('text'),
    )
    .action(async (name: string | undefined, opts: CreateOptions, command: Command) => {
      if ((name === undefined) === (opts.fromSchedule === undefined))
        throw new LifeboatError('USAGE', 'give either a backup name or --from-schedule NAME', {
          hint: 'lifeboat backup create NAME [filters], or lifeboat backup create --from-schedule SCHEDULE',
        });
      backupHeapGrowth();
      const result = await createBackup(name ?? '', opts, command);
      process.exitCode =
        result.phase === 'Completed'
          ? ExitCode.ok
          : result.phase === 'PartiallyFailed'
            ? ExitCode.partiallyFailed
            : ExitCode.failed;
    });
  registerBackupQueryCommands(backup);
}

/**
 * A backup streams: its heap holds one page and the resource list, so V8's own old-generation growth
 * suits it. The CLI starts with `--heap-growing-percent=20` (main.ts) for restores, whose heap is
 * large; for a backup that tight growth means a full collection every few MB of promoted objects
 * (~35 at 100k objects, ~0.8 s of CPU on the helper threads, ~10% of the wall time; bench/). So the
 * backup command hands growth back to V8 before it starts, with Node's documented v8 API.
 */
function backupHeapGrowth(): void {
  setFlagsFromString('--heap-growing-percent=0');
}

interface CreateOptions {
  fromSchedule?: string;
  includeNamespaces?: string;
  excludeNamespaces?: string;
  includeResources?: string;
  excludeResources?: string;
  selector?: string;
  includeClusterResources: string;
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

async function createBackup(name: string, opts: CreateOptions, command: Command): Promise<BackupRunResult> {
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
  const progress = createProgress({ json });
  const started = Date.now();
  return interruptible(progress, async (signal) => {
    const run =
      opts.fromSchedule === undefined ? runBackup : fromSchedule(opts.fromSchedule, command, attachments);
    const result = await run(
      {
        name: backupName,
        includedNamespaces: list(opts.includeNamespaces),
        excludedNamespaces: list(opts.excludeNamespaces),
        includedResources: list(opts.includeResources),
        excludedResources: list(opts.excludeResources),
        labelSelector: opts.selector,
        includeClusterResources: tristate(opts.includeClusterResources, '--include-cluster-resources'),
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
