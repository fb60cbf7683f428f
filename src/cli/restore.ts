import { type Command, Option } from 'commander';
import { ExitCode, LifeboatError } from '../errors/index.ts';
import {
  DEFAULT_PARALLELISM,
  deleteRestore,
  describeRestore,
  listRestores,
  restoreLogs,
  type RestoreRunResult,
  type RestoreSummary,
  runRestore,
  verifyRestore,
} from '../app/restore/index.ts';
import {
  type Column,
  createProgress,
  formatOutput,
  JSON_PROGRESS_INTERVAL_MS,
  renderTable,
  throttledByPhase,
} from '../output/index.ts';
import { archiveLimitOption, archiveLimits, type ArchiveLimitFlags } from './archive-limits.ts';
import {
  list,
  mappings,
  ObjectName,
  outputOption,
  type OutputFormat,
  parseWith,
  requireConfirmation,
} from './flags.ts';
import { globalOptions, loggerFor } from './globals.ts';
import { addResourceFilterOptions, type ResourceFilterFlags, resourceFilters } from './resource-filters.ts';
import { describeText, findingsText, planText, verifyText } from './restore-output.ts';
import { interruptible } from './interrupt.ts';
import {
  agentNamespaceOption,
  helperImageOption,
  podVolumeOptions,
  podVolumeTimeoutOption,
  type PodVolumeFlags,
  progressLine,
} from './restore-pod-volumes.ts';

interface CreateOptions extends ArchiveLimitFlags, PodVolumeFlags, ResourceFilterFlags {
  fromBackup?: string;
  fromSchedule?: string;
  namespaceMappings?: string;
  storageClassMappings?: string;
  existingResourcePolicy: 'none' | 'update';
  preserveNodeports?: boolean;
  restoreStatus?: string;
  parallelism: string;
  dryRun?: boolean;
  details?: boolean;
  verify?: boolean;
  waitLock?: boolean;
  kubeconfig?: string;
  context?: string;
  storageLocation?: string;
  output: 'text' | 'json' | 'yaml';
}

const locationOption = () =>
  new Option('--storage-location <name>', 'storage location (default: the default location)');
const query = (command: Command, opts: { storageLocation?: string }) => ({
  configPath: globalOptions(command).config,
  location: opts.storageLocation,
  logger: loggerFor(command),
});
const restoreName = (name: string) => parseWith(ObjectName, name, 'restore name');

export function registerRestoreCommands(program: Command): void {
  const restore = program
    .command('restore')
    .description('restore backups into a cluster; list, inspect, verify restores');
  const create = restore
    .command('create')
    .description('restore a backup into the target cluster (planned, parallel, resumable)')
    .argument('[name]', 'restore name (default: <backup>-<yyyyMMddHHmmss>)')
    .option('--from-backup <backup>', 'backup to restore')
    .option('--from-schedule <schedule>', "restore the schedule's newest Completed backup");
  addResourceFilterOptions(create, 'restore')
    .option('--namespace-mappings <src:dst,...>', 'restore namespace src into dst')
    .option('--storage-class-mappings <old:new,...>', 'PVCs/PVs of StorageClass old use new')
    .addOption(
      new Option(
        '--existing-resource-policy <policy>',
        'objects that already exist and differ: none (warn) or update (patch)',
      )
        .choices(['none', 'update'])
        .default('none'),
    )
    .option('--preserve-nodeports', 'keep the node ports of Services')
    .option('--restore-status <resources>', 'resources whose status is restored too')
    .option('--parallelism <n>', 'items restored at once within a step', String(DEFAULT_PARALLELISM))
    .option('--wait', 'wait for completion (lifeboat always does; accepted for Velero users)')
    .option('--dry-run', 'print the plan and pre-flight findings; change nothing')
    .option('--details', 'with --dry-run: list every item')
    .option('--verify', 'after restoring, re-read every object and compare it with the backup')
    .option('--wait-lock', "wait while a drill or restore holds the target's lock (default: fail naming it)")
    .option('--kubeconfig <file>', 'kubeconfig of the TARGET cluster (default: $KUBECONFIG, ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context of the target')
    .addOption(locationOption())
    .addOption(
      new Option('-o, --output <format>', 'text; json (progress stream and result); yaml (with --dry-run)')
        .choices(['text', 'json', 'yaml'])
        .default('text'),
    )
    .addOption(archiveLimitOption('maxTotalBytes'))
    .addOption(archiveLimitOption('maxEntryBytes'))
    .addOption(archiveLimitOption('maxExpansionRatio'))
    .addOption(agentNamespaceOption())
    .addOption(helperImageOption())
    .addOption(podVolumeTimeoutOption())
    .action(async (name: string | undefined, opts: CreateOptions, command: Command) => {
      const result = await createRestore(name, opts, command);
      if (result.phase === 'PartiallyFailed') process.exitCode = ExitCode.partiallyFailed;
      else if (result.phase === 'Failed' || result.verify?.ok === false) process.exitCode = ExitCode.failed;
    });
  registerQueries(restore);
}

function parallelism(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 512) {
    throw new LifeboatError('USAGE', `--parallelism must be a whole number from 1 to 512 (got '${value}')`);
  }
  return n;
}

async function createRestore(
  name: string | undefined,
  opts: CreateOptions,
  command: Command,
): Promise<RestoreRunResult> {
  if ((opts.fromBackup === undefined) === (opts.fromSchedule === undefined)) {
    throw new LifeboatError('USAGE', 'give exactly one of --from-backup and --from-schedule');
  }
  const json = opts.output === 'json';
  const sink = createProgress({ json: json && !opts.dryRun });
  const progress = json ? throttledByPhase(sink, JSON_PROGRESS_INTERVAL_MS) : sink;
  return interruptible(sink, async (signal) => {
    const result = await runRestore(
      {
        name: name === undefined ? undefined : restoreName(name),
        fromBackup:
          opts.fromBackup === undefined ? undefined : parseWith(ObjectName, opts.fromBackup, 'backup name'),
        fromSchedule: opts.fromSchedule,
        ...resourceFilters(opts),
        namespaceMapping: mappings(
          opts.namespaceMappings,
          '--namespace-mappings',
          'src:dst',
          'app:app-restored',
        ),
        storageClassMapping: mappings(
          opts.storageClassMappings,
          '--storage-class-mappings',
          'src:dst',
          'app:app-restored',
        ),
        existingResourcePolicy: opts.existingResourcePolicy,
        preserveNodePorts: opts.preserveNodeports === true,
        restoreStatus: list(opts.restoreStatus),
        parallelism: parallelism(opts.parallelism),
        dryRun: opts.dryRun === true,
        verify: opts.verify === true,
        storageLocation: opts.storageLocation,
        kube: { kubeconfig: opts.kubeconfig, context: opts.context },
        configPath: globalOptions(command).config,
        archiveLimits: archiveLimits(opts),
        podVolumes: podVolumeOptions(opts),
        standbyLock: opts.waitLock === true ? 'wait' : 'take',
      },
      {
        logger: loggerFor(command),
        signal,
        onEvent: (e) => progress.update(e, () => progressLine(e)),
      },
    );
    progress.done();
    printResult(result, opts);
    return result;
  });
}

function printResult(result: RestoreRunResult, opts: CreateOptions): void {
  const { plan, ...rest } = result;
  if (result.phase === 'DryRun') {
    if (opts.output === 'text') process.stdout.write(planText(plan, opts.details === true));
    else
      process.stdout.write(
        formatOutput(
          opts.details ? { ...rest, plan } : { ...rest, plan: { ...plan, steps: undefined } },
          opts.output,
        ),
      );
    return;
  }
  if (opts.output !== 'text') {
    const body = { type: 'result', restore: { ...rest, findings: plan.findings } };
    process.stdout.write(opts.output === 'json' ? `${JSON.stringify(body)}\n` : formatOutput(body, 'yaml'));
    return;
  }
  const c = result.counts;
  const seconds = (
    (Date.parse(result.completionTimestamp) - Date.parse(result.startTimestamp)) /
    1000
  ).toFixed(1);
  process.stdout.write(findingsText(plan));
  process.stdout.write(
    `Restore "${result.name}" ${result.phase}: ${c.created} created, ${c.updated} updated, ${c.skipped} skipped, ${c.failed} failed in ${seconds} s (backup "${result.backup}", location "${result.location}").\n`,
  );
  if (result.errors + result.warnings > 0)
    process.stdout.write(`  errors: ${result.errors}, warnings: ${result.warnings}\n`);
  if (result.verify) process.stdout.write(verifyText(result.name, result.verify));
  process.stdout.write(`Run 'lifeboat restore describe ${result.name} --details' for details.\n`);
}

const COLUMNS: Column<RestoreSummary>[] = [
  { header: 'NAME', value: (r) => r.name },
  { header: 'BACKUP', value: (r) => r.backup },
  { header: 'STATUS', value: (r) => r.phase },
  { header: 'CREATED', value: (r) => r.created, align: 'right' },
  { header: 'ERRORS', value: (r) => r.errors, align: 'right' },
  { header: 'WARNINGS', value: (r) => r.warnings, align: 'right' },
  { header: 'STARTED', value: (r) => r.started },
  { header: 'COMPLETED', value: (r) => r.completed },
];

function registerQueries(restore: Command): void {
  restore
    .command('get')
    .description('list the restores recorded in a location, newest first')
    .addOption(locationOption())
    .addOption(outputOption())
    .action(async (opts: { storageLocation?: string; output: OutputFormat }, command: Command) => {
      const rows = await listRestores(query(command, opts));
      if (opts.output !== 'table') process.stdout.write(formatOutput(rows, opts.output));
      else process.stdout.write(rows.length === 0 ? 'No restores found.\n' : renderTable(rows, COLUMNS));
    });
  restore
    .command('describe')
    .description('show a restore: request, phase, counts, errors and warnings')
    .argument('<name>')
    .option('--details', 'also every message and the resource list')
    .addOption(locationOption())
    .addOption(outputOption())
    .action(
      async (
        name: string,
        opts: { details?: boolean; storageLocation?: string; output: OutputFormat },
        command: Command,
      ) => {
        const d = await describeRestore(query(command, opts), restoreName(name));
        if (opts.output !== 'table')
          process.stdout.write(
            formatOutput(opts.details ? d : { ...d, resourceList: undefined }, opts.output),
          );
        else process.stdout.write(describeText(d, opts.details === true));
      },
    );
  restore
    .command('logs')
    .description('print the log stored with a restore')
    .argument('<name>')
    .addOption(locationOption())
    .action(async (name: string, opts: { storageLocation?: string }, command: Command) => {
      await restoreLogs(query(command, opts), restoreName(name), process.stdout);
    });
  restore
    .command('delete')
    .description("delete a restore's files from the location (restored objects stay)")
    .argument('<name>')
    .option('--confirm', 'do not ask for confirmation')
    .addOption(locationOption())
    .action(async (name: string, opts: { confirm?: boolean; storageLocation?: string }, command: Command) => {
      const n = restoreName(name);
      requireConfirmation('restore', n, opts.confirm);
      await deleteRestore(query(command, opts), n);
      process.stdout.write(`Restore "${n}" deleted.\n`);
    });
  registerVerify(restore);
}

function registerVerify(restore: Command): void {
  restore
    .command('verify')
    .description('re-read every restored object from the target and compare it with the backup')
    .argument('<name>')
    .option('--kubeconfig <file>', 'kubeconfig of the target cluster')
    .option('--context <name>', 'kubeconfig context of the target')
    .addOption(locationOption())
    .addOption(outputOption())
    .addOption(archiveLimitOption('maxTotalBytes'))
    .addOption(archiveLimitOption('maxEntryBytes'))
    .addOption(archiveLimitOption('maxExpansionRatio'))
    .action(
      async (
        name: string,
        opts: ArchiveLimitFlags & {
          kubeconfig?: string;
          context?: string;
          storageLocation?: string;
          output: OutputFormat;
        },
        command: Command,
      ) => {
        const n = restoreName(name);
        const report = await verifyRestore(
          query(command, opts),
          n,
          { kubeconfig: opts.kubeconfig, context: opts.context },
          archiveLimits(opts),
        );
        process.stdout.write(
          opts.output === 'table' ? verifyText(n, report) : formatOutput(report, opts.output),
        );
        if (!report.ok) process.exitCode = ExitCode.failed;
      },
    );
}
