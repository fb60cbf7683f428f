import type { Command } from 'commander';
import {
  checkClusterStandby,
  checkFleetStandbys,
  type FleetStandbyCheck,
  renderFindings,
  runStandbyCheck,
  type StandbyCheckResult,
} from '../app/profile/index.ts';
import { type Column, formatOutput, renderTable } from '../output/index.ts';
import { LifeboatError, reportError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import { globalOptions, loggerFor } from './globals.ts';
import { mappings, ObjectName, outputOption, parseWith } from './flags.ts';

/** Exit codes of `standby check`, stable for scripts. */
const READY = 0;
const BLOCKED = 1;
const COULD_NOT_CHECK = 2;

type Format = 'table' | 'json' | 'yaml';

interface CheckFlags {
  fromBackup?: string;
  cluster?: string;
  fleet?: boolean;
  kubeconfig?: string;
  context?: string;
  storageLocation?: string;
  storageClassMappings?: string;
  output: Format;
}

export function registerStandbyCommands(program: Command): void {
  const standby = program
    .command('standby')
    .description('check a cold-standby cluster before restoring into it');
  standby
    .command('check')
    .description(
      "compare a standby with a backup's cluster profile and contents; exit 0 ready, 1 blocking findings, 2 could not check",
    )
    .option('--from-backup <name>', 'backup to restore (default with --cluster: its newest backup)')
    .option('--cluster <name>', 'a cluster of the fleet: its registered standby against its newest backup')
    .option('--fleet', 'every cluster of the fleet with a standby, each against its newest backup')
    .option('--kubeconfig <file>', 'kubeconfig of the standby (default: $KUBECONFIG, ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('--storage-location <name>', 'storage location (default: the default location)')
    .option('--storage-class-mappings <old:new,...>', 'StorageClass mappings the restore will use')
    .addOption(outputOption())
    .action(async (opts: CheckFlags, command: Command) => {
      const g = globalOptions(command);
      try {
        process.exitCode = await check(opts, g.config, loggerFor(command));
      } catch (err) {
        // Could not check (bad flags, unreachable standby, missing backup): exit 2, the message as usual.
        const report = reportError(err, { debug: g.debug });
        if (opts.output !== 'table')
          process.stdout.write(
            formatOutput(
              { checked: false, code: report.code, message: report.message, hint: report.hint },
              opts.output,
            ),
          );
        process.stderr.write(`${report.lines.join('\n')}\n`);
        process.exitCode = COULD_NOT_CHECK;
      }
    });
}

async function check(opts: CheckFlags, configPath: string | undefined, logger: Logger): Promise<number> {
  const storageClassMappings = mappings(opts.storageClassMappings, '--storage-class-mappings');
  const request = { configPath, logger, storageClassMappings };
  if (opts.fleet === true) {
    if (opts.cluster !== undefined || opts.fromBackup !== undefined || opts.kubeconfig !== undefined)
      throw new LifeboatError(
        'USAGE',
        '--fleet checks every cluster: give no --cluster, --from-backup or --kubeconfig',
        {
          hint: 'lifeboat standby check --fleet [-o json]',
        },
      );
    const fleet = await checkFleetStandbys(request);
    process.stdout.write(opts.output === 'table' ? fleetText(fleet) : formatOutput(fleet, opts.output));
    if (fleet.counts.blocked > 0) return BLOCKED;
    return fleet.counts.notChecked > 0 ? COULD_NOT_CHECK : READY;
  }
  const backup =
    opts.fromBackup === undefined ? undefined : parseWith(ObjectName, opts.fromBackup, 'backup name');
  const kube =
    opts.kubeconfig === undefined && opts.context === undefined
      ? undefined
      : { kubeconfig: opts.kubeconfig, context: opts.context };
  let result: StandbyCheckResult;
  if (opts.cluster !== undefined) {
    if (opts.storageLocation !== undefined)
      throw new LifeboatError(
        'USAGE',
        '--cluster reads its own location and prefix: give no --storage-location',
      );
    result = await checkClusterStandby(request, opts.cluster, { backup, kube });
  } else {
    if (backup === undefined)
      throw new LifeboatError(
        'USAGE',
        'name the backup with --from-backup, or a cluster with --cluster or --fleet',
        {
          hint: 'lifeboat standby check --from-backup NAME --kubeconfig STANDBY | --cluster NAME | --fleet',
        },
      );
    result = await runStandbyCheck({ ...request, backup, location: opts.storageLocation, kube: kube ?? {} });
  }
  process.stdout.write(opts.output === 'table' ? resultText(result) : formatOutput(result, opts.output));
  return result.ready ? READY : BLOCKED;
}

function resultText(result: StandbyCheckResult): string {
  const { blocking, warning, info } = result.counts;
  return (
    `Standby ${result.standby} for backup "${result.backup}" (location ${result.location}): ` +
    `${result.ready ? 'READY' : 'NOT READY'} — ${blocking} blocking, ${warning} warning(s), ${info} info\n` +
    (result.comparedWith === 'contents'
      ? 'The backup has no cluster profile: only its contents were checked.\n'
      : '') +
    '\n' +
    renderFindings(result.findings)
  );
}

type Row = FleetStandbyCheck['clusters'][number];

const COLUMNS: Column<Row>[] = [
  { header: 'CLUSTER', value: (r) => r.cluster },
  { header: 'ROLE', value: (r) => r.role },
  { header: 'BACKUP', value: (r) => r.backup },
  { header: 'STANDBY', value: (r) => r.result?.standby ?? r.standbyKubeconfig },
  {
    header: 'RESULT',
    value: (r) => (r.result === undefined ? 'NOT CHECKED' : r.result.ready ? 'READY' : 'NOT READY'),
  },
  { header: 'BLOCKING', value: (r) => r.result?.counts.blocking },
  { header: 'WARNINGS', value: (r) => r.result?.counts.warning },
  { header: 'INFO', value: (r) => r.result?.counts.info },
];

/** One table for the fleet, then each cluster's findings (or why it could not be checked). */
function fleetText(fleet: FleetStandbyCheck): string {
  const { ready, blocked, notChecked } = fleet.counts;
  const out = [
    `Fleet standby check: ${fleet.ready ? 'READY' : 'NOT READY'} — ${ready} ready, ${blocked} with blocking findings, ${notChecked} not checked\n`,
    renderTable(fleet.clusters, COLUMNS),
  ];
  if (fleet.withoutStandby.length > 0)
    out.push(`Clusters without a standby (not checked): ${fleet.withoutStandby.join(', ')}\n`);
  for (const r of fleet.clusters) {
    out.push(`\nCluster ${r.cluster} (prefix ${r.prefix}/ of location ${r.location}):\n`);
    if (r.result !== undefined) out.push(renderFindings(r.result.findings));
    else
      out.push(
        `  could not check: ${r.error?.message ?? 'unknown'}\n${r.error?.hint ? `  hint: ${r.error.hint}\n` : ''}`,
      );
  }
  return out.join('');
}
