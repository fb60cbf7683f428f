import { Command } from 'commander';
import { addGlobalOptions } from './globals.ts';
import { packageVersion } from './version.ts';

type Register = (program: Command) => void;

/**
 * Each command group registers itself here: one file per noun (DESIGN.md §3). A group's module (and
 * the use case behind it) is loaded only when the command line names it, so `lifeboat backup create`
 * does not pay for loading the server, restore or runbook code. Maps, not the model's null-prototype
 * objects: importing the model would load zod and its schemas for `--version` and `--help` too.
 */
const commandGroups: ReadonlyMap<string, () => Promise<Register>> = new Map(
  Object.entries({
    backup: async () => (await import('./backup.ts')).registerBackupCommands,
    location: async () => (await import('./location.ts')).registerLocationCommands,
    cluster: async () => (await import('./cluster.ts')).registerClusterCommands,
    restore: async () => (await import('./restore.ts')).registerRestoreCommands,
    'restore-helper': async () => (await import('./restore-helper.ts')).registerRestoreHelperCommand,
    drill: async () => (await import('./drill.ts')).registerDrillCommands,
    schedule: async () => (await import('./schedule.ts')).registerScheduleCommands,
    gc: async () => (await import('./gc.ts')).registerGcCommands,
    server: async () => (await import('./server.ts')).registerServerCommands,
    profile: async () => (await import('./profile.ts')).registerProfileCommands,
    standby: async () => (await import('./standby.ts')).registerStandbyCommands,
    repo: async () => (await import('./repo.ts')).registerRepoCommands,
    runbook: async () => (await import('./runbook.ts')).registerRunbookCommands,
    demo: async () => (await import('./demo.ts')).registerDemoCommand,
    agent: async () => (await import('./agent.ts')).registerAgentCommands,
  }),
);

/** Names that reach a group under another word (commander aliases). */
const ALIASES: ReadonlyMap<string, string> = new Map([['backup-location', 'location']]);

/** Global options that take a value as the next word (see globals.ts). */
const GLOBAL_VALUE_OPTIONS = new Set(['--config', '--log-format', '--log-level']);

/**
 * The command group the arguments (without node and the script) name as their first word after the
 * global options; undefined when there is none or it is not a group (help, a typo, no command), in
 * which case every group is loaded so help and suggestions see them all.
 */
export function requestedGroup(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return undefined;
    if (arg.startsWith('-')) {
      if (GLOBAL_VALUE_OPTIONS.has(arg)) i++;
      continue;
    }
    const group = ALIASES.get(arg) ?? arg;
    return commandGroups.has(group) ? group : undefined;
  }
  return undefined;
}

/** The program with the group `args` names, or every group. */
export async function buildProgram(args: readonly string[] = []): Promise<Command> {
  const group = requestedGroup(args);
  const versionOnly = group === undefined && args.some((a) => a === '-V' || a === '--version');
  const groups = group !== undefined ? [group] : versionOnly ? [] : [...commandGroups.keys()];
  const registers = await Promise.all(groups.map((g) => commandGroups.get(g)!()));

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
  for (const register of registers) register(program);
  return program;
}
