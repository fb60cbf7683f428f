import { type Command, Option } from 'commander';
import { getDrill, listDrills, runDrill } from '../app/drill/index.ts';
import { ExitCode, LifeboatError } from '../errors/index.ts';
import { createProgress, formatOutput, renderTable } from '../output/index.ts';
import { describeText, DRILL_COLUMNS, drillText } from './drill-output.ts';
import { registerDrillScheduleCommands } from './drill-schedule.ts';
import { durationMs, mappings, ObjectName, outputOption, type OutputFormat, parseWith } from './flags.ts';
import { globalOptions, loggerFor } from './globals.ts';
import { interruptible } from './interrupt.ts';
import {
  agentNamespaceOption,
  helperImageOption,
  podVolumeOptions,
  podVolumeTimeoutOption,
  type PodVolumeFlags,
} from './restore-pod-volumes.ts';

interface RunOptions extends PodVolumeFlags {
  cluster: string;
  backup?: string;
  latest?: boolean;
  standby?: string;
  standbyContext?: string;
  name?: string;
  namespaceMappings?: string;
  storageClassMappings?: string;
  keep?: boolean;
  timeout: string;
  cleanupTimeout: string;
  rtoObjective?: string;
  rpoObjective?: string;
  storageLocation?: string;
  waitLock?: boolean;
  output: 'text' | 'json';
}

const seconds = (value: string | undefined, flag: string) =>
  value === undefined ? undefined : durationMs(value, flag) / 1000;
const locationOption = () =>
  new Option('--storage-location <name>', "storage location (default: the cluster's)");
const query = (command: Command, opts: { storageLocation?: string; cluster?: string }) => ({
  configPath: globalOptions(command).config,
  location: opts.storageLocation,
  logger: loggerFor(command),
  cluster: opts.cluster,
});

export function registerDrillCommands(program: Command): void {
  const drill = program
    .command('drill')
    .description(
      "DR drills: restore a cluster's backup into its standby, measure RPO/RTO, verify, clean up, keep the evidence",
    );
  drill
    .command('run')
    .description(
      'run a drill now: standby check, restore, readiness, verify, data check, clean-up; evidence stored in the bucket',
    )
    .requiredOption('--cluster <name>', 'the cluster whose backup is drilled')
    .option('--backup <name>', 'the backup to restore (default: the newest Completed one)')
    .option('--latest', 'restore the newest Completed backup (the default)')
    .option('--standby <kubeconfig>', "kubeconfig of the standby (default: the cluster's standby)")
    .option('--standby-context <name>', 'kubeconfig context of the standby')
    .option('--name <name>', 'drill (and restore) name (default: drill-<cluster>-<yyyyMMddHHmmss>)')
    .option('--namespace-mappings <src:dst,...>', 'restore namespace src into dst')
    .option('--storage-class-mappings <old:new,...>', 'PVCs of StorageClass old use new')
    .option('--keep', 'leave the restored objects in the standby (not cleaned)')
    .option('--wait-lock', "wait while a drill or restore holds the standby's lock (default: fail naming it)")
    .option('--timeout <duration>', 'how long each restored workload may take to become ready', '10m')
    .option('--cleanup-timeout <duration>', 'how long the clean-up waits for restored namespaces to go', '5m')
    .option('--rto-objective <duration>', 'the drill fails when the measured RTO is longer')
    .option('--rpo-objective <duration>', 'the drill fails when the backup is older than this at its start')
    .addOption(locationOption())
    .addOption(
      new Option('-o, --output <format>', 'text or json (the report)')
        .choices(['text', 'json'])
        .default('text'),
    )
    .addOption(agentNamespaceOption())
    .addOption(helperImageOption())
    .addOption(podVolumeTimeoutOption().default('30m'))
    .action(async (opts: RunOptions, command: Command) => {
      if (opts.backup !== undefined && opts.latest === true)
        throw new LifeboatError('USAGE', 'give --backup or --latest, not both');
      const progress = createProgress({ json: false });
      const report = await interruptible(progress, (signal) =>
        runDrill(
          {
            cluster: opts.cluster,
            backup: opts.backup === undefined ? undefined : parseWith(ObjectName, opts.backup, 'backup name'),
            standby:
              opts.standby === undefined
                ? undefined
                : { kubeconfig: opts.standby, context: opts.standbyContext },
            name: opts.name === undefined ? undefined : parseWith(ObjectName, opts.name, 'drill name'),
            namespaceMapping: mappings(opts.namespaceMappings, '--namespace-mappings'),
            storageClassMapping: mappings(opts.storageClassMappings, '--storage-class-mappings'),
            keep: opts.keep === true,
            workloadTimeoutMs: durationMs(opts.timeout, '--timeout'),
            cleanupTimeoutMs: durationMs(opts.cleanupTimeout, '--cleanup-timeout'),
            objectives: {
              rtoSeconds: seconds(opts.rtoObjective, '--rto-objective'),
              rpoSeconds: seconds(opts.rpoObjective, '--rpo-objective'),
            },
            configPath: globalOptions(command).config,
            storageLocation: opts.storageLocation,
            podVolumes: podVolumeOptions(opts),
            waitLock: opts.waitLock === true,
          },
          {
            logger: loggerFor(command),
            signal,
            onEvent: (e) =>
              progress.update(e, `drill ${e.name}: ${e.phase}${e.detail ? ` ${e.detail}` : ''}`),
          },
        ),
      );
      process.stdout.write(opts.output === 'json' ? `${JSON.stringify(report)}\n` : drillText(report));
      if (report.outcome !== 'Passed') process.exitCode = ExitCode.failed;
    });
  registerQueries(drill);
  registerDrillScheduleCommands(drill);
}

function registerQueries(drill: Command): void {
  drill
    .command('get')
    .description('list the drills recorded in the bucket, newest first')
    .option('--cluster <name>', "one cluster's drills (default: every configured cluster's)")
    .addOption(locationOption())
    .addOption(outputOption())
    .action(
      async (
        opts: { cluster?: string; storageLocation?: string; output: OutputFormat },
        command: Command,
      ) => {
        const rows = await listDrills(query(command, opts));
        if (opts.output !== 'table') process.stdout.write(formatOutput(rows, opts.output));
        else
          process.stdout.write(rows.length === 0 ? 'No drills found.\n' : renderTable(rows, DRILL_COLUMNS));
      },
    );
  drill
    .command('describe')
    .description("show a drill's report from the bucket and check every artefact against its checksums")
    .argument('<name>')
    .option('--cluster <name>', 'the cluster drilled (default: search every configured cluster)')
    .addOption(locationOption())
    .addOption(outputOption())
    .action(
      async (
        name: string,
        opts: { cluster?: string; storageLocation?: string; output: OutputFormat },
        command: Command,
      ) => {
        const evidence = await getDrill(query(command, opts), parseWith(ObjectName, name, 'drill name'));
        if (opts.output === 'table') process.stdout.write(describeText(evidence));
        else
          process.stdout.write(
            formatOutput({ report: evidence.report, integrity: evidence.integrity }, opts.output),
          );
        if (!evidence.integrity.ok) process.exitCode = ExitCode.failed;
      },
    );
  registerReport(drill);
}

function registerReport(drill: Command): void {
  drill
    .command('report')
    .description("print a drill's stored report: HTML, Markdown or JSON, as written at the drill")
    .argument('<name>')
    .option('--cluster <name>', 'the cluster drilled (default: search every configured cluster)')
    .addOption(locationOption())
    .addOption(
      new Option('-o, --output <format>', 'html, markdown or json')
        .choices(['html', 'markdown', 'json'])
        .default('markdown'),
    )
    .action(
      async (
        name: string,
        opts: { cluster?: string; storageLocation?: string; output: 'html' | 'markdown' | 'json' },
        command: Command,
      ) => {
        const e = await getDrill(query(command, opts), parseWith(ObjectName, name, 'drill name'));
        const body =
          opts.output === 'json'
            ? `${JSON.stringify(e.report, null, 2)}\n`
            : opts.output === 'html'
              ? e.html
              : e.markdown;
        if (body === undefined)
          throw new LifeboatError('NOT_FOUND', `drill "${name}" has no ${opts.output} report in the bucket`, {
            hint: 'the evidence was removed after the drill',
          });
        if (!e.integrity.ok) {
          process.stderr.write(
            `warning: the evidence of drill "${name}" was altered after the drill: ${e.integrity.files
              .filter((f) => f.status !== 'ok')
              .map((f) => `${f.name} ${f.status}`)
              .join(', ')}\n`,
          );
          process.exitCode = ExitCode.failed;
        }
        process.stdout.write(body);
      },
    );
}
