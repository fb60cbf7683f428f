import { Command } from 'commander';
import { addGlobalOptions } from './globals.ts';
import { registerBackupCommands } from './backup.ts';
import { registerLocationCommands } from './location.ts';
import { registerScheduleCommands } from './schedule.ts';
import { registerGcCommands } from './gc.ts';
import { registerServerCommands } from './server.ts';
import { registerRestoreCommands } from './restore.ts';
import { registerProfileCommands } from './profile.ts';
import { registerStandbyCommands } from './standby.ts';
import { registerRunbookCommands } from './runbook.ts';
import { registerDemoCommand } from './demo.ts';
import { packageVersion } from './version.ts';

/** Each command group registers itself here: one file per noun (DESIGN.md §3). */
const commandGroups: ReadonlyArray<(program: Command) => void> = [
  registerBackupCommands,
  registerLocationCommands,
  registerRestoreCommands,
  registerScheduleCommands,
  registerGcCommands,
  registerServerCommands,
  registerProfileCommands,
  registerStandbyCommands,
  registerRunbookCommands,
  registerDemoCommand,
];

export function buildProgram(): Command {
  const program = new Command('lifeboat')
    .description(
      'Disaster recovery for Kubernetes: Velero-compatible backups to a filesystem, S3/MinIO or Azure Blob,\n' +
        'restores into a cold-standby cluster, schedules with retention and RPO, and cluster profiles.',
    )
    .version(packageVersion(), '-V, --version', 'print the lifeboat version')
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError(true);
  // Set before the command groups register, so every subcommand inherits it (bad flags exit 2).
  program.exitOverride();
  addGlobalOptions(program);
  for (const register of commandGroups) register(program);
  return program;
}
