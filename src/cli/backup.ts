import { type Command, Option } from 'commander';
import { setFlagsFromString } from 'node:v8';
import { LifeboatError, ExitCode } from '../errors/index.ts';
import type { CreateOptions } from './backup-create.ts';
import { attachOption } from './flags.ts';
import { addResourceFilterOptions } from './resource-filters.ts';
import { registerBackupQueryCommands } from './backup-query.ts';

export function registerBackupCommands(program: Command): void {
  const backup = program.command('backup').description('create, list, inspect, verify and delete backups');
  const create = backup
    .command('create')
    .description('back up a cluster to a storage location, in Velero’s format')
    .argument('[name]', 'backup name (a Kubernetes object name, unique in the location)')
    .option(
      '--from-schedule <schedule>',
      "run that schedule's backup now, named <schedule>-<yyyyMMddHHmmss> (filters, TTL and location from the schedule)",
    );
  addResourceFilterOptions(create, 'backup')
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
      const { createBackup } = await import('./backup-create.ts');
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
