import { type Command, Option } from 'commander';
import { archiveLimitOption } from './archive-limits.ts';
import type * as Run from './backup-query-run.ts';
import { outputOption } from './flags.ts';

/** What the commands do, loaded when one runs: registering them (and --help) loads none of it. */
const run = () => import('./backup-query-run.ts');

const clusterOption = () =>
  new Option(
    '--cluster <name>',
    "a cluster of the fleet: its backups, under its prefix (see 'lifeboat cluster get')",
  );

const locationOption = () =>
  new Option('--storage-location <name>', 'storage location (default: the default location)');

export function registerBackupQueryCommands(backup: Command): void {
  backupGetCommand(backup);
  backupDescribeCommand(backup);
  backupLogsCommand(backup);
  backupDownloadCommand(backup);
  backupDeleteCommand(backup);
  backupVerifyCommand(backup);
}

function backupGetCommand(backup: Command): void {
  backup
    .command('get')
    .description('list backups (complete ones only), newest first')
    .argument('[name]', 'one backup')
    .addOption(locationOption())
    .addOption(clusterOption())
    .addOption(outputOption())
    .action(async (...args: Parameters<typeof Run.runBackupGet>) => (await run()).runBackupGet(...args));
}

function backupDescribeCommand(backup: Command): void {
  backup
    .command('describe')
    .description('show a backup: spec, status, per-resource counts, errors and warnings')
    .argument('<name>')
    .option('--details', 'also list every item backed up and every message')
    .addOption(locationOption())
    .addOption(clusterOption())
    .addOption(outputOption())
    .action(async (...args: Parameters<typeof Run.runBackupDescribe>) =>
      (await run()).runBackupDescribe(...args),
    );
}

function backupLogsCommand(backup: Command): void {
  backup
    .command('logs')
    .description('print the log stored with a backup')
    .argument('<name>')
    .addOption(locationOption())
    .addOption(clusterOption())
    .action(async (...args: Parameters<typeof Run.runBackupLogs>) => (await run()).runBackupLogs(...args));
}

function backupDownloadCommand(backup: Command): void {
  backup
    .command('download')
    .description('download a backup’s tarball (<name>.tar.gz)')
    .argument('<name>')
    .option('-o, --output <file>', 'file to write (default: ./<name>.tar.gz); never an existing one')
    .option('--force', 'replace the file if it exists (a symlink there is replaced, not followed)')
    .addOption(locationOption())
    .addOption(clusterOption())
    .action(async (...args: Parameters<typeof Run.runBackupDownload>) =>
      (await run()).runBackupDownload(...args),
    );
}

function backupDeleteCommand(backup: Command): void {
  backup
    .command('delete')
    .description('delete a backup from its storage location (every object under backups/<name>/)')
    .argument('<name>')
    .option('--confirm', 'do not ask for confirmation')
    .addOption(locationOption())
    .addOption(clusterOption())
    .action(async (...args: Parameters<typeof Run.runBackupDelete>) =>
      (await run()).runBackupDelete(...args),
    );
}

function backupVerifyCommand(backup: Command): void {
  backup
    .command('verify')
    .description('check a stored backup: checksums, tarball, every item, and the resource list')
    .argument('<name>')
    .addOption(locationOption())
    .addOption(clusterOption())
    .addOption(outputOption())
    .addOption(archiveLimitOption('maxTotalBytes'))
    .addOption(archiveLimitOption('maxEntryBytes'))
    .addOption(archiveLimitOption('maxExpansionRatio'))
    .action(async (...args: Parameters<typeof Run.runBackupVerify>) =>
      (await run()).runBackupVerify(...args),
    );
}
