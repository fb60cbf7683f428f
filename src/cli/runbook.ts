import { type Command, Option } from 'commander';
import {
  makeClusterRunbook,
  makeRunbook,
  makeSiteRunbook,
  RUNBOOK_PLATFORMS,
  type RunbookPlatform,
} from '../app/profile/index.ts';
import { LifeboatError } from '../errors/index.ts';
import { globalOptions, loggerFor } from './globals.ts';
import { ObjectName, parseWith } from './flags.ts';

interface RunbookFlags {
  fromBackup?: string;
  cluster?: string;
  fleet?: boolean;
  storageLocation?: string;
  platform?: RunbookPlatform;
  output: 'markdown' | 'text' | 'json';
}

export function registerRunbookCommands(program: Command): void {
  program
    .command('runbook')
    .description(
      'the ordered recovery procedure for a backup, a cluster of the fleet or the whole site, with the captured values filled in and their sources',
    )
    .option('--from-backup <name>', 'backup to recover from (default with --cluster: its newest backup)')
    .option(
      '--cluster <name>',
      'a cluster of the fleet: its part of the site, from its backups under its prefix',
    )
    .option(
      '--fleet',
      'the whole site: the management cluster first, then each workload cluster, each from its newest backup',
    )
    .option('--storage-location <name>', 'storage location (default: the default location)')
    .addOption(
      new Option(
        '--platform <platform>',
        'platform to rebuild on (default: what the profile and its attachments look like)',
      ).choices(RUNBOOK_PLATFORMS),
    )
    .addOption(
      new Option('-o, --output <format>', 'markdown, text, or json for scripts')
        .choices(['markdown', 'text', 'json'])
        .default('markdown'),
    )
    .action(runbook);
}

async function runbook(opts: RunbookFlags, command: Command): Promise<void> {
  const request = {
    configPath: globalOptions(command).config,
    logger: loggerFor(command),
    platform: opts.platform,
    format: opts.output,
  };
  const backup =
    opts.fromBackup === undefined ? undefined : parseWith(ObjectName, opts.fromBackup, 'backup name');
  if (opts.fleet === true) {
    if (opts.cluster !== undefined || backup !== undefined || opts.storageLocation !== undefined)
      throw new LifeboatError(
        'USAGE',
        '--fleet covers every cluster: give no --cluster, --from-backup or --storage-location',
      );
    const site = await makeSiteRunbook(request);
    if (site.derived.length > 0)
      process.stderr.write(
        `No cluster profile in the newest backup of ${site.derived.join(', ')}: their parts use what the backups' contents show; fill in the rest.\n`,
      );
    process.stdout.write(site.text);
    return;
  }
  if (opts.cluster !== undefined) {
    if (opts.storageLocation !== undefined)
      throw new LifeboatError(
        'USAGE',
        '--cluster reads its own location and prefix: give no --storage-location',
      );
    const one = await makeClusterRunbook(request, opts.cluster, backup);
    if (one.derived) derivedNote(one.backup);
    process.stdout.write(one.text);
    return;
  }
  if (backup === undefined)
    throw new LifeboatError(
      'USAGE',
      'name the backup with --from-backup, or a cluster with --cluster or --fleet',
      {
        hint: 'lifeboat runbook --from-backup NAME | --cluster NAME | --fleet',
      },
    );
  if (opts.output === 'json')
    throw new LifeboatError('USAGE', '-o json is for --cluster and --fleet', {
      hint: 'use -o markdown or text',
    });
  const result = await makeRunbook({
    ...request,
    backup,
    location: opts.storageLocation,
    format: opts.output,
  });
  if (result.derived) derivedNote(backup);
  process.stdout.write(result.text);
}

function derivedNote(backup: string): void {
  process.stderr.write(
    `Backup "${backup}" has no cluster profile: the runbook uses what its contents show; fill in the rest.\n`,
  );
}
