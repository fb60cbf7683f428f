import { type Command, Option } from 'commander';
import { renderFindings, runStandbyCheck } from '../app/profile/index.ts';
import { formatOutput } from '../output/index.ts';
import { LifeboatError, reportError } from '../errors/index.ts';
import { globalOptions, loggerFor } from './globals.ts';
import { list, ObjectName, parseWith } from './flags.ts';
import { nullObject } from '../model/index.ts';

/** Exit codes of `standby check`, stable for scripts. */
const READY = 0;
const BLOCKED = 1;
const COULD_NOT_CHECK = 2;

/** `old:new,old2:new2` → record; bad pairs are usage errors. */
export function mappings(value: string | undefined, flag: string): Record<string, string> {
  const out = nullObject<string>();
  for (const pair of list(value)) {
    const [from, to, ...rest] = pair.split(':');
    if (!from || !to || rest.length > 0)
      throw new LifeboatError('USAGE', `${flag}: '${pair}' is not old:new`, {
        hint: `e.g. ${flag} fast:managed-premium`,
      });
    out[from] = to;
  }
  return out;
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
    .requiredOption('--from-backup <name>', 'backup to restore')
    .option('--kubeconfig <file>', 'kubeconfig of the standby (default: $KUBECONFIG, ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('--storage-location <name>', 'storage location (default: the default location)')
    .option('--storage-class-mappings <old:new,...>', 'StorageClass mappings the restore will use')
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    )
    .action(
      async (
        opts: {
          fromBackup: string;
          kubeconfig?: string;
          context?: string;
          storageLocation?: string;
          storageClassMappings?: string;
          output: 'table' | 'json';
        },
        command: Command,
      ) => {
        const g = globalOptions(command);
        try {
          const result = await runStandbyCheck({
            backup: parseWith(ObjectName, opts.fromBackup, 'backup name'),
            configPath: g.config,
            location: opts.storageLocation,
            kube: { kubeconfig: opts.kubeconfig, context: opts.context },
            storageClassMappings: mappings(opts.storageClassMappings, '--storage-class-mappings'),
            logger: loggerFor(command),
          });
          if (opts.output === 'json') process.stdout.write(formatOutput(result, 'json'));
          else {
            const { blocking, warning, info } = result.counts;
            process.stdout.write(
              `Standby ${result.standby} for backup "${result.backup}" (location ${result.location}): ` +
                `${result.ready ? 'READY' : 'NOT READY'} — ${blocking} blocking, ${warning} warning(s), ${info} info\n` +
                (result.comparedWith === 'contents'
                  ? 'The backup has no cluster profile: only its contents were checked.\n'
                  : '') +
                '\n' +
                renderFindings(result.findings),
            );
          }
          process.exitCode = result.ready ? READY : BLOCKED;
        } catch (err) {
          // Could not check (bad flags, unreachable standby, missing backup): exit 2, the message as usual.
          const report = reportError(err, { debug: g.debug });
          if (opts.output === 'json')
            process.stdout.write(
              formatOutput(
                { checked: false, code: report.code, message: report.message, hint: report.hint },
                'json',
              ),
            );
          process.stderr.write(`${report.lines.join('\n')}\n`);
          process.exitCode = COULD_NOT_CHECK;
        }
      },
    );
}
