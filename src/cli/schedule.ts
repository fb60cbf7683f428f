import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { parseAttachSpec, readAttachments } from '../app/profile/index.ts';
import { readHooksFile } from '../app/backup/index.ts';
import type { BackupHooksSpec } from '../model/index.ts';
import {
  type ClusterScheduleRow,
  type DescribedSchedule,
  createSchedule,
  deleteSchedule,
  describeFleetSchedules,
  formatRetention,
  formatScheduleClusters,
  listSchedules,
  managementTarget,
  parseClustersFlag,
  parseRetention,
  setSchedulePaused,
  type Schedule,
} from '../app/schedules/index.ts';
import { formatOutput, renderTable, type Column, type OutputFormat } from '../output/index.ts';
import type { Logger } from '../log/index.ts';
import { attachOption, backupLabels, outputOption } from './flags.ts';
import { addResourceFilterOptions, type ResourceFilterFlags, resourceFilters } from './resource-filters.ts';
import { globalOptions, loggerFor } from './globals.ts';
import { resourceHookLines } from './backup-hooks-output.ts';

export function registerScheduleCommands(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('cron schedules of backups, with retention and a recovery-point objective (RPO)');
  scheduleCreateCommand(schedule);
  scheduleGetCommand(schedule);
  scheduleDescribeCommand(schedule);
  schedulePauseCommands(schedule);
  scheduleDeleteCommand(schedule);
}

function scheduleCreateCommand(schedule: Command): void {
  const create = schedule
    .command('create')
    .description('add a schedule to the config file (lifeboat server runs it)')
    .argument('<name>', 'schedule name (a DNS label; backups are named <name>-<yyyyMMddHHmmss>)')
    .requiredOption('--schedule <cron>', 'cron: 5 fields ("0 */6 * * *"), 6 with seconds, @daily, @every 6h')
    .option('--timezone <zone>', 'IANA time zone of the cron and of retention buckets (default UTC)')
    .option('--ttl <duration>', 'how long each backup is kept, as a Go duration (default 720h)')
    .option('--rpo <duration>', 'recovery-point objective (default: twice the schedule interval)')
    .option(
      '--retention <rules>',
      'keep-last=N,within=24h,hourly=N,daily=N,weekly=N,monthly=N,yearly=N: with rules, they decide which Completed backups stay (instead of the TTL)',
    )
    .addOption(
      new Option('--catch-up <policy>', 'on start, run a missed run once (latest) or not (none)')
        .choices(['latest', 'none'])
        .default('latest'),
    )
    .option('--paused', 'create it paused');
  addResourceFilterOptions(create, 'backup')
    .option('--labels <k=v,...>', 'labels to put on the backups')
    .option('--storage-location <name>', 'storage location (default: the default location)')
    .option(
      '--default-volumes-to-fs-backup',
      'back up every pod volume by file-system backup (opt out per pod: annotation backup.velero.io/backup-volumes-excludes); needs the lifeboat agent (deploy/kubernetes/volumes/)',
    )
    .option(
      '--pod-volume-timeout <duration>',
      'how long the pod volumes of a run may take together (default 4h)',
    )
    .option(
      '--hooks-file <file>',
      "Velero's spec.hooks in YAML or JSON ({resources: [...]}, or a Velero Backup manifest), stored in the schedule's template: exec hooks run on the pods each backup takes",
    )
    .option(
      '--clusters <names|selector>',
      "clusters of the fleet to back up, each under its own prefix with backups named <name>-<cluster>-<yyyyMMddHHmmss>: names (prod-a,prod-b) or a label selector ('env=prod') (default: the server's own cluster)",
    )
    .addOption(attachOption())
    .action(async (name: string, o: CreateOptions, command: Command) => {
      // Read now so a wrong path or a bad export fails here; each run reads the file again.
      await readAttachments(o.attach ?? []);
      const hooks = o.hooksFile === undefined ? undefined : await readHooksFile(o.hooksFile);
      const created = await createSchedule(globalOptions(command).config, scheduleFromFlags(name, o, hooks));
      process.stdout.write(`Schedule "${created.name}" created (${created.schedule}).\n`);
      process.stdout.write(`Run "lifeboat schedule describe ${created.name}" for its next runs.\n`);
    });
}

function scheduleGetCommand(schedule: Command): void {
  schedule
    .command('get')
    .description('list schedules')
    .argument('[names...]', 'only these schedules')
    .addOption(outputOption())
    .action(async (names: string[], opts: { output: OutputFormat }, command: Command) => {
      const all = await listSchedules(globalOptions(command).config);
      const rows = names.length === 0 ? all : all.filter((s) => names.includes(s.name));
      process.stdout.write(formatOutput(rows, opts.output, SCHEDULE_COLUMNS));
    });
}

function scheduleDescribeCommand(schedule: Command): void {
  schedule
    .command('describe')
    .description(
      'next runs, last successful backup, RPO status and missed runs, read from the store; a --clusters schedule per target cluster, with the replica owning it',
    )
    .argument('[names...]', 'only these schedules')
    .addOption(outputOption())
    .option(
      '--kubeconfig <file>',
      "the management cluster holding the fleet's Leases (default: the config's management cluster)",
    )
    .addOption(
      new Option('--lease-namespace <ns>', "namespace of the fleet's Leases (the server's --lease-namespace)")
        .env('POD_NAMESPACE')
        .default('default'),
    )
    .action(
      async (
        names: string[],
        opts: { output: OutputFormat; kubeconfig?: string; leaseNamespace: string },
        command: Command,
      ) => {
        const configPath = globalOptions(command).config;
        const logger = loggerFor(command);
        const statuses = await describeFleetSchedules(
          configPath,
          logger,
          names.length === 0 ? undefined : names,
          (clusters) => readOwners(configPath, logger, opts, clusters),
        );
        process.stdout.write(
          opts.output === 'table'
            ? statuses.map(renderStatus).join('\n')
            : formatOutput(statuses, opts.output),
        );
      },
    );
}

/** Who holds each cluster's Lease; none known (with a warning) when the management cluster cannot be read. */
async function readOwners(
  configPath: string | undefined,
  logger: Logger,
  opts: { kubeconfig?: string; leaseNamespace: string },
  clusters: readonly string[],
): Promise<ReadonlyMap<string, string>> {
  try {
    const kube =
      opts.kubeconfig === undefined
        ? await managementTarget(configPath)
        : { kubeconfig: resolve(opts.kubeconfig) };
    const { fleetOwners } = await import('../server/index.ts');
    return await fleetOwners(kube ?? {}, opts.leaseNamespace)(clusters);
  } catch (err) {
    logger.warn({ err }, `cannot read the fleet's Leases, owners unknown: ${String(err)}`);
    return new Map();
  }
}

/** pause and unpause: one command each, told apart by whether they pause. */
function schedulePauseCommands(schedule: Command): void {
  for (const [verb, paused] of [
    ['pause', true],
    ['unpause', false],
  ] as const) {
    schedule
      .command(verb)
      .description(paused ? 'stop running a schedule (its RPO turns AT_RISK)' : 'run a paused schedule again')
      .argument('<names...>', 'schedule names')
      .action(async (names: string[], _o: unknown, command: Command) => {
        for (const n of names) {
          await setSchedulePaused(globalOptions(command).config, n, paused);
          process.stdout.write(`Schedule "${n}" ${paused ? 'paused' : 'unpaused'}.\n`);
        }
      });
  }
}

function scheduleDeleteCommand(schedule: Command): void {
  schedule
    .command('delete')
    .description('remove schedules from the config (their backups stay until GC removes them)')
    .argument('<names...>', 'schedule names')
    .action(async (names: string[], _o: unknown, command: Command) => {
      for (const n of names) {
        await deleteSchedule(globalOptions(command).config, n);
        process.stdout.write(`Schedule "${n}" deleted; its backups were not touched.\n`);
      }
    });
}

interface CreateOptions extends ResourceFilterFlags {
  schedule: string;
  timezone?: string;
  ttl?: string;
  rpo?: string;
  retention?: string;
  catchUp: 'latest' | 'none';
  paused?: boolean;
  labels?: string;
  storageLocation?: string;
  defaultVolumesToFsBackup?: boolean;
  podVolumeTimeout?: string;
  clusters?: string;
  hooksFile?: string;
  attach?: string[];
}

function scheduleFromFlags(name: string, o: CreateOptions, hooks: BackupHooksSpec | undefined): Schedule {
  const nonEmpty = (v: string[]) => (v.length > 0 ? v : undefined);
  const labels = backupLabels(o.labels, '--labels');
  const filters = resourceFilters(o);
  const template = {
    includedNamespaces: nonEmpty(filters.includedNamespaces),
    excludedNamespaces: nonEmpty(filters.excludedNamespaces),
    includedResources: nonEmpty(filters.includedResources),
    excludedResources: nonEmpty(filters.excludedResources),
    labelSelector: filters.labelSelector,
    includeClusterResources: filters.includeClusterResources,
    defaultVolumesToFsBackup: o.defaultVolumesToFsBackup === true ? true : undefined,
    podVolumeTimeout: o.podVolumeTimeout,
    hooks,
    labels: Object.keys(labels).length > 0 ? labels : undefined,
  };
  const defined = <T extends object>(v: T): T => {
    const out = { ...v };
    for (const key of Object.keys(out) as (keyof T)[]) if (out[key] === undefined) delete out[key];
    return out;
  };
  const t = defined(template);
  return defined({
    name,
    schedule: o.schedule,
    timezone: o.timezone,
    paused: o.paused === true ? true : undefined,
    ttl: o.ttl,
    rpo: o.rpo,
    catchUp: o.catchUp === 'latest' ? undefined : o.catchUp,
    retention: o.retention === undefined ? undefined : parseRetention(o.retention),
    storageLocation: o.storageLocation,
    clusters: o.clusters === undefined ? undefined : parseClustersFlag(o.clusters),
    template: Object.keys(t).length > 0 ? t : undefined,
    attachments:
      o.attach === undefined || o.attach.length === 0
        ? undefined
        : o.attach.map(parseAttachSpec).map(({ kind, file }) => ({ kind, file: resolve(file) })),
  });
}

const SCHEDULE_COLUMNS: Column<Schedule>[] = [
  { header: 'Name', value: (s) => s.name },
  { header: 'Status', value: (s) => (s.paused === true ? 'Paused' : 'Enabled') },
  { header: 'Schedule', value: (s) => s.schedule },
  { header: 'Time Zone', value: (s) => s.timezone ?? 'UTC' },
  { header: 'TTL', value: (s) => s.ttl ?? '720h0m0s' },
  { header: 'RPO', value: (s) => s.rpo ?? '2x interval' },
  { header: 'Retention', value: (s) => formatRetention(s.retention) || 'TTL' },
  { header: 'Location', value: (s) => s.storageLocation ?? '(default)' },
  { header: 'Clusters', value: (s) => formatScheduleClusters(s.clusters) || '(own)' },
  { header: 'Attachments', value: (s) => (s.attachments ?? []).map((a) => a.kind).join(',') || '<none>' },
];

function renderStatus(s: DescribedSchedule): string {
  const lines = [
    `Name:             ${s.name}`,
    `Status:           ${s.paused ? 'Paused' : 'Enabled'}`,
    `Schedule:         ${s.schedule} (${s.timezone})`,
    `Next runs:        ${s.nextRuns.join(', ') || '<none>'}`,
  ];
  const hooks = resourceHookLines(s.hooks);
  if (s.clusters !== undefined)
    return `${[...lines, 'Clusters:'].join('\n')}\n${renderClusterRows(s.clusters)}${hooks.map((l) => `${l}\n`).join('')}`;
  lines.push(
    `Last backup:      ${s.lastBackup ? `${s.lastBackup.name} (${s.lastBackup.phase ?? 'Unknown'}, ${s.lastBackup.started})` : '<none>'}`,
    `Last successful:  ${s.lastSuccessful ? `${s.lastSuccessful.name} (${s.lastSuccessful.started})` : '<none>'}`,
    `RPO:              ${s.rpo.state} — ${s.rpo.reason} (objective ${s.rpo.objectiveSeconds}s${s.rpo.ageSeconds === undefined ? '' : `, age ${s.rpo.ageSeconds}s`}${s.rpo.deadline ? `, deadline ${s.rpo.deadline}` : ''})`,
    `Missed runs:      ${s.missedRuns.length === 0 ? 'none' : ''}`,
    ...s.missedRuns.map((m) => `  ${m.due}  ${m.reason}`),
    ...hooks,
  );
  return `${lines.join('\n')}\n`;
}

const CLUSTER_COLUMNS: Column<ClusterScheduleRow>[] = [
  { header: 'cluster', value: (r) => r.cluster },
  { header: 'owner', value: (r) => r.owner ?? '<none>' },
  { header: 'last successful', value: (r) => r.lastSuccessful?.name ?? '<none>' },
  { header: 'completed', value: (r) => r.lastSuccessful?.completed ?? '' },
  { header: 'next run', value: (r) => r.nextRun ?? '<none>' },
  { header: 'rpo', value: (r) => r.rpo.state },
  { header: 'reason', value: (r) => r.rpo.reason },
];

function renderClusterRows(rows: readonly ClusterScheduleRow[]): string {
  if (rows.length === 0) return '  <no cluster of the fleet matches>\n';
  return renderTable(rows, CLUSTER_COLUMNS)
    .split('\n')
    .map((l) => (l === '' ? l : `  ${l}`))
    .join('\n');
}
