import { type Command, Option } from 'commander';
import { resolve } from 'node:path';
import { ExitCode, LifeboatError } from '../errors/index.ts';
import {
  listRepoSnapshots,
  type RepoProgress,
  restoreRepoSnapshot,
  snapshotDirectory,
  snapshotIdentity,
  verifyRepoSnapshots,
} from '../app/repo/index.ts';
import { createProgress, formatBytes, formatOutput, type ProgressSink } from '../output/index.ts';
import { collect, keyValues, OutputFormat } from './flags.ts';
import { globalOptions, loggerFor } from './globals.ts';
import { interruptible } from './interrupt.ts';
import { progressLine, SNAPSHOT_COLUMNS, verifyText } from './repo-output.ts';

const LOCATION_HELP = 'storage location (default: the default location)';
const TEXT_OR_JSON = ['text', 'json'] as const;

/** What a repo subcommand takes besides its own arguments: a namespace, a location and an output. */
interface RepoOptionShape {
  /** The --namespace help; required makes it mandatory. */
  namespace: string;
  required?: boolean;
  outputs: readonly string[];
}

/** Adds --namespace, --location and -o/--output, the options every repo subcommand shares. */
function withRepoOptions(command: Command, shape: RepoOptionShape): Command {
  if (shape.required === true) command.requiredOption('--namespace <ns>', shape.namespace);
  else command.option('--namespace <ns>', shape.namespace);
  const [first] = shape.outputs;
  return command
    .option('--location <name>', LOCATION_HELP)
    .addOption(
      new Option('-o, --output <format>', shape.outputs.join(', ').replace(/, ([^,]*)$/, ' or $1'))
        .choices([...shape.outputs])
        .default(first),
    );
}

/** `--workers N|auto`: worker threads for hashing, sealing and opening contents. */
export function parseWorkers(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  if (/^\d{1,3}$/.test(value)) return Number(value);
  throw new LifeboatError('USAGE', `--workers: '${value.slice(0, 40)}' is not a number of threads or auto`, {
    hint: 'e.g. --workers 2, --workers 0 (all on the main thread) or --workers auto (one per core)',
  });
}

function workersOption(what: string, byDefault: number | 'auto'): Option {
  return new Option(
    '--workers <n|auto>',
    `worker threads that ${what} (auto: one per core the load average leaves idle)`,
  )
    .argParser(parseWorkers)
    .default(byDefault);
}

export function registerRepoCommands(program: Command): void {
  const repo = program
    .command('repo')
    .description('volume data: the kopia repositories Velero keeps under kopia/<namespace>/ of a location');
  registerSnapshots(repo);
  registerRestore(repo);
  registerSnapshot(repo);
  registerVerify(repo);
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
  withRepoOptions(
    repo
      .command('snapshots')
      .description('list the snapshots of a namespace’s repository, or of every namespace'),
    { namespace: 'volume namespace (default: all)', outputs: OutputFormat.options },
  ).action(
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
  withRepoOptions(
    repo
      .command('restore')
      .description('restore a snapshot into a directory (files, directories, symlinks, modes, owners, times)')
      .argument('<snapshot-id>', "snapshot ID (see 'lifeboat repo snapshots')")
      .argument('<dir>', 'target directory (created when missing; must be empty unless --overwrite)'),
    { namespace: 'volume namespace (default: search every namespace)', outputs: TEXT_OR_JSON },
  )
    .option('--overwrite', 'replace files that already exist in the target')
    .addOption(workersOption('decrypt file contents while others are written', 0))
    .action(
      async (
        snapshotId: string,
        dir: string,
        opts: {
          namespace?: string;
          location?: string;
          overwrite?: boolean;
          workers: number | 'auto';
          output: 'text' | 'json';
        },
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
            workers: opts.workers,
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

interface SnapshotOptions {
  namespace: string;
  source: string;
  location?: string;
  tag?: string[];
  description?: string;
  workers: number | 'auto';
  output: 'text' | 'json';
}

function registerSnapshot(repo: Command): void {
  withRepoOptions(
    repo
      .command('snapshot')
      .description(
        'snapshot a directory into a namespace’s repository (created with Velero’s defaults when missing);\n' +
          'the latest snapshot of the same source is the parent, so unchanged files cost only metadata',
      )
      .argument('<dir>', 'directory to snapshot'),
    { namespace: 'volume namespace (the repository is kopia/<ns>/)', required: true, outputs: TEXT_OR_JSON },
  )
    .requiredOption(
      '--source <name>',
      'POD/VOLUME (a pod volume, as Velero files it), PVC (a data-mover volume), or USER@HOST:PATH (kopia’s own)',
    )
    .option('--tag <k=v>', 'a tag to add to the snapshot (repeatable)', collect)
    .option('--description <text>', 'the snapshot’s description (default: Velero’s, for Velero sources)')
    .addOption(workersOption('hash file chunks while files are read and split', 'auto'))
    .action(async (dir: string, opts: SnapshotOptions, command: Command) => {
      const identity = snapshotIdentity(opts.source, opts.namespace, {
        tags: keyValues((opts.tag ?? []).join(','), '--tag'),
        description: opts.description,
      });
      const json = opts.output === 'json';
      const progress = progressFor('snapshotting', json);
      const result = await interruptible(progress.sink, (signal) =>
        snapshotDirectory({
          configPath: globalOptions(command).config,
          location: opts.location,
          logger: loggerFor(command),
          signal,
          dir: resolve(dir),
          namespace: opts.namespace,
          workers: opts.workers,
          ...identity,
          onProgress: progress.onProgress,
        }),
      );
      if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(`${result.snapshot.id}\n`);
    });
}

function registerVerify(repo: Command): void {
  withRepoOptions(
    repo
      .command('verify')
      .description(
        'verify snapshots: every content decrypts and hashes (with --read-data, all file data is read)',
      )
      .argument('[snapshot-id]', 'one snapshot (default: every snapshot)'),
    { namespace: 'volume namespace (default: all)', outputs: TEXT_OR_JSON },
  )
    .option('--read-data', 'read back and hash every file’s data, not only the directory tree')
    .action(
      async (
        snapshotId: string | undefined,
        opts: {
          namespace?: string;
          location?: string;
          readData?: boolean;
          output: 'text' | 'json';
        },
        command: Command,
      ) => {
        const json = opts.output === 'json';
        const progress = progressFor('verifying', json);
        const results = await interruptible(progress.sink, (signal) =>
          verifyRepoSnapshots({
            configPath: globalOptions(command).config,
            location: opts.location,
            logger: loggerFor(command),
            signal,
            snapshotId,
            namespace: opts.namespace,
            readData: opts.readData === true,
            onProgress: progress.onProgress,
          }),
        );
        process.stdout.write(json ? `${JSON.stringify(results, null, 2)}\n` : verifyText(results));
        if (results.some((r) => r.problems.length > 0)) process.exitCode = ExitCode.failed;
      },
    );
}
