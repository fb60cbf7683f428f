import { type Command, Option } from 'commander';
import { resolve } from 'node:path';
import { ExitCode } from '../errors/index.ts';
import { listRepoSnapshots, type RepoProgress, restoreRepoSnapshot } from '../app/repo/index.ts';
import { createProgress, formatBytes, formatOutput, type ProgressSink } from '../output/index.ts';
import { OutputFormat } from './flags.ts';
import { globalOptions, loggerFor } from './globals.ts';
import { interruptible } from './interrupt.ts';
import { progressLine, SNAPSHOT_COLUMNS } from './repo-output.ts';

const LOCATION_HELP = 'storage location (default: the default location)';

export function registerRepoCommands(program: Command): void {
  const repo = program
    .command('repo')
    .description('volume data: the kopia repositories Velero keeps under kopia/<namespace>/ of a location');
  registerSnapshots(repo);
  registerRestore(repo);
}

/** A progress sink whose lines carry throughput and ETA; `json` or no TTY shows nothing. */
function progressFor(verb: string, json: boolean) {
  // -o json prints only the result: a progress stream would mix with it on stdout.
  const sink: ProgressSink = json ? { update() {}, done() {} } : createProgress({ json: false });
  const started = Date.now();
  return {
    sink,
    onProgress: (p: RepoProgress) => sink.update(p, () => progressLine(verb, p, Date.now() - started)),
  };
}

function registerSnapshots(repo: Command): void {
  repo
    .command('snapshots')
    .description('list the snapshots of a namespace’s repository, or of every namespace')
    .option('--location <name>', LOCATION_HELP)
    .option('--namespace <ns>', 'volume namespace (default: all)')
    .addOption(
      new Option('-o, --output <format>', 'table, json or yaml')
        .choices(OutputFormat.options)
        .default('table'),
    )
    .action(
      async (opts: { location?: string; namespace?: string; output: OutputFormat }, command: Command) => {
        const rows = await listRepoSnapshots({
          configPath: globalOptions(command).config,
          location: opts.location,
          namespace: opts.namespace,
          logger: loggerFor(command),
        });
        if (opts.output === 'table' && rows.length === 0) process.stdout.write('No snapshots.\n');
        else process.stdout.write(formatOutput(rows, opts.output, SNAPSHOT_COLUMNS));
      },
    );
}

function registerRestore(repo: Command): void {
  repo
    .command('restore')
    .description('restore a snapshot into a directory (files, directories, symlinks, modes, owners, times)')
    .argument('<snapshot-id>', "snapshot ID (see 'lifeboat repo snapshots')")
    .argument('<dir>', 'target directory (created when missing; must be empty unless --overwrite)')
    .option('--namespace <ns>', 'volume namespace (default: search every namespace)')
    .option('--location <name>', LOCATION_HELP)
    .option('--overwrite', 'replace files that already exist in the target')
    .addOption(new Option('-o, --output <format>', 'text or json').choices(['text', 'json']).default('text'))
    .action(
      async (
        snapshotId: string,
        dir: string,
        opts: { namespace?: string; location?: string; overwrite?: boolean; output: 'text' | 'json' },
        command: Command,
      ) => {
        const json = opts.output === 'json';
        const progress = progressFor('restoring', json);
        const started = Date.now();
        const result = await interruptible(progress.sink, (signal) =>
          restoreRepoSnapshot({
            configPath: globalOptions(command).config,
            location: opts.location,
            logger: loggerFor(command),
            signal,
            snapshotId,
            targetDir: resolve(dir),
            namespace: opts.namespace,
            overwrite: opts.overwrite === true,
            onProgress: progress.onProgress,
          }),
        );
        const s = result.stats;
        if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else {
          process.stdout.write(
            `Restored snapshot ${result.snapshot.id} (${result.snapshot.source}) into ${resolve(dir)}: ${s.files} files, ${s.directories} directories, ${s.symlinks} symlinks, ${formatBytes(s.bytes)} in ${seconds(started)} s.\n`,
          );
          for (const skipped of s.skipped)
            process.stdout.write(`  skipped ${skipped.path}: ${skipped.reason}\n`);
        }
        if (s.skipped.length > 0) process.exitCode = ExitCode.partiallyFailed;
      },
    );
}

function seconds(started: number): string {
  return ((Date.now() - started) / 1000).toFixed(1);
}
