import { type Command, Option } from 'commander';
import { makeRunbook, RUNBOOK_PLATFORMS, type RunbookPlatform } from '../app/profile/index.ts';
import { globalOptions, loggerFor } from './globals.ts';
import { ObjectName, parseWith } from './flags.ts';

export function registerRunbookCommands(program: Command): void {
  program
    .command('runbook')
    .description(
      'the ordered recovery procedure for a backup, with the captured cluster values filled in and their sources',
    )
    .requiredOption('--from-backup <name>', 'backup to recover from')
    .option('--storage-location <name>', 'storage location (default: the default location)')
    .option('--cluster <name>', 'a cluster of the fleet: its backup, and its latest passing DR drill')
    .addOption(
      new Option(
        '--platform <platform>',
        'platform to rebuild on (default: what the profile looks like)',
      ).choices(RUNBOOK_PLATFORMS),
    )
    .addOption(
      new Option('-o, --output <format>', 'markdown or text')
        .choices(['markdown', 'text'])
        .default('markdown'),
    )
    .action(
      async (
        opts: {
          fromBackup: string;
          storageLocation?: string;
          cluster?: string;
          platform?: RunbookPlatform;
          output: 'markdown' | 'text';
        },
        command: Command,
      ) => {
        const result = await makeRunbook({
          backup: parseWith(ObjectName, opts.fromBackup, 'backup name'),
          configPath: globalOptions(command).config,
          location: opts.storageLocation,
          cluster: opts.cluster,
          logger: loggerFor(command),
          platform: opts.platform,
          format: opts.output,
        });
        if (result.derived)
          process.stderr.write(
            `Backup "${opts.fromBackup}" has no cluster profile: the runbook uses what its contents show; fill in the rest.\n`,
          );
        process.stdout.write(result.text);
      },
    );
}
