import type { Command } from 'commander';
import {
  createDrillSchedule,
  deleteDrillSchedule,
  type DrillSchedule,
  listDrillSchedules,
} from '../app/drill/index.ts';
import { type Column, formatOutput, renderTable } from '../output/index.ts';
import { LifeboatError } from '../errors/index.ts';
import { mappings, outputOption, type OutputFormat } from './flags.ts';
import { globalOptions } from './globals.ts';

const COLUMNS: Column<DrillSchedule>[] = [
  { header: 'NAME', value: (s) => s.name },
  { header: 'CLUSTER', value: (s) => s.cluster },
  { header: 'SCHEDULE', value: (s) => `${s.schedule}${s.timezone ? ` (${s.timezone})` : ''}` },
  { header: 'PAUSED', value: (s) => (s.paused === true ? 'true' : 'false') },
  { header: 'WORKLOAD TIMEOUT', value: (s) => s.workloadTimeout ?? '10m' },
];

/** `lifeboat drill schedule create|get|delete`: drills the server runs, stored in the config file like schedules. */
export function registerDrillScheduleCommands(drill: Command): void {
  const schedule = drill.command('schedule').description('drills `lifeboat server` runs on a cron schedule');
  schedule
    .command('create')
    .description('add a scheduled drill of a cluster (its newest Completed backup, into its standby)')
    .argument('<name>')
    .requiredOption('--cluster <name>', 'the cluster drilled')
    .requiredOption('--schedule <cron>', "cron expression, e.g. '0 3 1 * *' (03:00 on the 1st of each month)")
    .option('--timezone <tz>', 'time zone of the cron expression (default UTC)')
    .option('--paused', 'create it paused')
    .option('--timeout <duration>', 'how long each restored workload may take to become ready', '10m')
    .option('--namespace-mappings <src:dst,...>', 'restore namespace src into dst')
    .option('--storage-location <name>', "storage location (default: the cluster's)")
    .action(
      async (
        name: string,
        opts: {
          cluster: string;
          schedule: string;
          timezone?: string;
          paused?: boolean;
          timeout: string;
          namespaceMappings?: string;
          storageLocation?: string;
        },
        command: Command,
      ) => {
        const mapped = mappings(opts.namespaceMappings, '--namespace-mappings');
        const created = await createDrillSchedule(globalOptions(command).config, {
          name,
          cluster: opts.cluster,
          schedule: opts.schedule,
          ...(opts.timezone === undefined ? {} : { timezone: opts.timezone }),
          ...(opts.paused === true ? { paused: true } : {}),
          workloadTimeout: opts.timeout,
          ...(Object.keys(mapped).length === 0 ? {} : { namespaceMappings: mapped }),
          ...(opts.storageLocation === undefined ? {} : { storageLocation: opts.storageLocation }),
        });
        process.stdout.write(
          `Drill schedule "${created.name}" created: cluster ${created.cluster}, ${created.schedule}.\n`,
        );
      },
    );
  schedule
    .command('get')
    .description('list the scheduled drills')
    .addOption(outputOption())
    .action(async (opts: { output: OutputFormat }, command: Command) => {
      const rows = await listDrillSchedules(globalOptions(command).config);
      if (opts.output !== 'table') process.stdout.write(formatOutput(rows, opts.output));
      else process.stdout.write(rows.length === 0 ? 'No drill schedules.\n' : renderTable(rows, COLUMNS));
    });
  schedule
    .command('delete')
    .description('remove a scheduled drill (the evidence of its drills stays)')
    .argument('<name>')
    .option('--confirm', 'do not ask for confirmation')
    .action(async (name: string, opts: { confirm?: boolean }, command: Command) => {
      if (opts.confirm !== true)
        throw new LifeboatError('USAGE', `deleting drill schedule "${name}" cannot be undone`, {
          hint: `run again with --confirm: lifeboat drill schedule delete ${name} --confirm`,
        });
      await deleteDrillSchedule(globalOptions(command).config, name);
      process.stdout.write(`Drill schedule "${name}" deleted.\n`);
    });
}
