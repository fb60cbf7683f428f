import type { Command } from 'commander';
import { runGc, type GcReport, type RetentionDecision } from '../app/gc/index.ts';
import { isLifeboatError, LifeboatError } from '../errors/index.ts';
import { readClusterUid } from '../app/deps/index.ts';
import { formatOutput, type Column, type OutputFormat } from '../output/index.ts';
import { outputOption } from './flags.ts';
import { globalOptions, loggerFor } from './globals.ts';

export function registerGcCommands(program: Command): void {
  program
    .command('gc')
    .description(
      'garbage-collect backups once: expired ones (TTL) and those no retention rule keeps; the newest good backup of a schedule always stays',
    )
    .option('--dry-run', 'only show what would be deleted')
    .option('--all', 'list every backup with its decision, not only the deleted ones')
    .option(
      '--kubeconfig <file>',
      'kubeconfig of the cluster whose backups to collect (default: $KUBECONFIG, ~/.kube/config)',
    )
    .option('--context <name>', 'kubeconfig context')
    .addOption(outputOption())
    .action(async (opts: GcFlags, command: Command) => {
      const report = await runGc({
        configPath: globalOptions(command).config,
        logger: loggerFor(command),
        dryRun: opts.dryRun === true,
        cluster: await clusterIdentity({ kubeconfig: opts.kubeconfig, context: opts.context }),
      });
      if (opts.output !== 'table') process.stdout.write(formatOutput(report, opts.output));
      else process.stdout.write(renderReport(report, opts.all === true));
      if (report.failed.length > 0) {
        throw new LifeboatError('OPERATION_FAILED', `gc could not delete ${report.failed.length} backup(s)`, {
          hint: report.failed.map((f) => `${f.location}/${f.name}: ${f.message}`).join('; '),
        });
      }
    });
}

interface GcFlags {
  dryRun?: boolean;
  all?: boolean;
  output: OutputFormat;
  kubeconfig?: string;
  context?: string;
}

/** Retention acts only on the backups of one cluster (DESIGN.md §8): the one the kubeconfig names. */
async function clusterIdentity(kube: { kubeconfig?: string | undefined; context?: string | undefined }) {
  try {
    return await readClusterUid(kube);
  } catch (err) {
    throw new LifeboatError(
      isLifeboatError(err) ? err.code : 'UNREACHABLE',
      `gc acts only on the backups of the cluster it runs for, and cannot read that cluster's identity: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
        hint: 'give the kubeconfig (--kubeconfig, --context) of the cluster whose backups to collect',
      },
    );
  }
}

const COLUMNS: Column<RetentionDecision>[] = [
  { header: 'Location', value: (d) => d.location },
  { header: 'Backup', value: (d) => d.name },
  { header: 'Schedule', value: (d) => d.schedule ?? '' },
  { header: 'Decision', value: (d) => (d.delete ? 'delete' : 'keep') },
  { header: 'Why', value: (d) => d.reasons.join('; ') },
];

function renderReport(report: GcReport, all: boolean): string {
  const rows = all ? report.decisions : report.decisions.filter((d) => d.delete);
  const verb = report.dryRun ? 'would be deleted' : 'deleted';
  const count = report.dryRun ? rows.filter((d) => d.delete).length : report.deleted.length;
  const table = rows.length > 0 ? formatOutput(rows, 'table', COLUMNS) : '';
  const readOnly =
    report.readOnly.length > 0 ? `${report.readOnly.length} kept: their location is read-only.\n` : '';
  return `${table}${count} backup(s) ${verb}, ${report.decisions.length - rows.filter((d) => d.delete).length} kept.\n${readOnly}`;
}
