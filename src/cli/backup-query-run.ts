// What `lifeboat backup get/describe/logs/download/delete/verify` do; backup-query.ts registers them
// and loads this file only when one of them runs.
import type { Command } from 'commander';
import { ExitCode } from '../errors/index.ts';
import {
  backupLogs,
  deleteBackup,
  describeBackup,
  downloadBackup,
  type BackupQuery,
  type FleetBackupSummary,
  listFleetBackups,
  resolveBackupCluster,
} from '../app/backups/index.ts';
import { verifyBackup } from '../app/verify/index.ts';
import { backupClusterUid } from '../app/sync/index.ts';
import { type Column, formatBytes, formatOutput, renderTable } from '../output/index.ts';
import { globalOptions, loggerFor } from './globals.ts';
import { podVolumeLines } from './pod-volume-output.ts';
import { resourceHookLines } from './backup-hooks-output.ts';
import { archiveLimits, type ArchiveLimitFlags } from './archive-limits.ts';
import { ObjectName, type OutputFormat, parseWith, requireConfirmation } from './flags.ts';

function query(
  command: Command,
  opts: { storageLocation?: string; cluster?: string },
): BackupQuery & { cluster?: string | undefined } {
  return {
    configPath: globalOptions(command).config,
    location: opts.storageLocation,
    logger: loggerFor(command),
    cluster: opts.cluster,
  };
}

export async function runBackupGet(
  name: string | undefined,
  opts: { storageLocation?: string; cluster?: string; output: OutputFormat },
  command: Command,
): Promise<void> {
  const list = await listFleetBackups(
    query(command, opts),
    name === undefined ? undefined : parseWith(ObjectName, name, 'backup name'),
  );
  for (const w of list.warnings) process.stderr.write(`warning: ${w}\n`);
  const rows = list.backups;
  if (opts.output !== 'table') {
    process.stdout.write(formatOutput(list.fleet ? rows : rows.map(withoutClusterName), opts.output));
    return;
  }
  const columns = list.fleet ? [CLUSTER_COLUMN, ...COLUMNS] : COLUMNS;
  process.stdout.write(rows.length === 0 ? 'No backups found.\n' : renderTable(rows, columns));
}

export async function runBackupDescribe(
  name: string,
  opts: { details?: boolean; storageLocation?: string; cluster?: string; output: OutputFormat },
  command: Command,
): Promise<void> {
  const q = query(command, opts);
  const n = parseWith(ObjectName, name, 'backup name');
  const cluster = await resolveBackupCluster(q, n);
  const d = await describeBackup({ ...q, cluster }, n);
  if (opts.output !== 'table') {
    process.stdout.write(formatOutput(opts.details ? d : { ...d, resourceList: undefined }, opts.output));
    return;
  }
  if (cluster !== undefined) process.stdout.write(`Cluster:      ${cluster}\n`);
  process.stdout.write(describeText(d, opts.details === true));
}

export async function runBackupLogs(
  name: string,
  opts: { storageLocation?: string },
  command: Command,
): Promise<void> {
  await backupLogs(query(command, opts), parseWith(ObjectName, name, 'backup name'), process.stdout);
}

export async function runBackupDownload(
  name: string,
  opts: { output?: string; force?: boolean; storageLocation?: string },
  command: Command,
): Promise<void> {
  const n = parseWith(ObjectName, name, 'backup name');
  const file = opts.output ?? `${n}.tar.gz`;
  const bytes = await downloadBackup(query(command, opts), n, file, opts.force === true);
  process.stdout.write(`Backup "${n}" downloaded to ${file} (${formatBytes(bytes)}).\n`);
}

export async function runBackupDelete(
  name: string,
  opts: { confirm?: boolean; storageLocation?: string },
  command: Command,
): Promise<void> {
  const n = parseWith(ObjectName, name, 'backup name');
  requireConfirmation('backup', n, opts.confirm);
  await deleteBackup(query(command, opts), n);
  process.stdout.write(`Backup "${n}" deleted.\n`);
}

export async function runBackupVerify(
  name: string,
  opts: ArchiveLimitFlags & { storageLocation?: string; cluster?: string; output: OutputFormat },
  command: Command,
): Promise<void> {
  const report = await verifyBackup(
    query(command, opts),
    parseWith(ObjectName, name, 'backup name'),
    archiveLimits(opts),
  );
  if (opts.output !== 'table') process.stdout.write(formatOutput(report, opts.output));
  else {
    for (const c of report.checks)
      process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}\n`);
    for (const p of report.problems) process.stdout.write(`  - ${p}\n`);
    process.stdout.write(
      report.ok ? `Backup "${name}" verified.\n` : `Backup "${name}" failed verification.\n`,
    );
  }
  if (!report.ok) process.exitCode = ExitCode.failed;
}

const CLUSTER_COLUMN: Column<FleetBackupSummary> = { header: 'CLUSTER', value: (b) => b.clusterName };

function withoutClusterName({
  clusterName: _,
  ...row
}: FleetBackupSummary): Omit<FleetBackupSummary, 'clusterName'> {
  return row;
}

const COLUMNS: Column<FleetBackupSummary>[] = [
  { header: 'NAME', value: (b) => b.name },
  { header: 'STATUS', value: (b) => (b.problem ? `Unreadable: ${b.problem}` : b.phase) },
  { header: 'ERRORS', value: (b) => b.errors, align: 'right' },
  { header: 'WARNINGS', value: (b) => b.warnings, align: 'right' },
  { header: 'ITEMS', value: (b) => b.items, align: 'right' },
  { header: 'CREATED', value: (b) => b.created },
  { header: 'EXPIRES', value: (b) => (b.expires ? relative(b.expires) : '') },
  { header: 'STORAGE LOCATION', value: (b) => b.location },
  { header: 'SELECTOR', value: (b) => b.selector },
];

function relative(iso: string): string {
  const ms = Date.parse(iso) - Date.now();
  if (Number.isNaN(ms)) return iso;
  const days = Math.round(Math.abs(ms) / 86_400_000);
  const text = days >= 1 ? `${days}d` : `${Math.round(Math.abs(ms) / 3_600_000)}h`;
  return ms >= 0 ? text : `expired ${text} ago`;
}

function describeText(d: Awaited<ReturnType<typeof describeBackup>>, details: boolean): string {
  const b = d.backup;
  const s = b.status;
  const lines: string[] = [];
  const ann = b.metadata.annotations ?? {};
  lines.push(`Name:         ${b.metadata.name}`);
  lines.push(
    `Labels:       ${
      Object.entries(b.metadata.labels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(', ') || '<none>'
    }`,
  );
  lines.push(`Source:       Kubernetes ${ann['velero.io/source-cluster-k8s-gitversion'] ?? 'unknown'}`);
  lines.push(`Cluster UID:  ${backupClusterUid(b) ?? '<none recorded>'}`);
  lines.push('', `Phase:        ${s.phase ?? 'unknown'}`);
  if (s.failureReason) lines.push(`Failure:      ${s.failureReason}`);
  lines.push(`Errors:       ${s.errors ?? 0}`, `Warnings:     ${s.warnings ?? 0}`);
  lines.push('', 'Namespaces:');
  lines.push(`  Included:   ${(b.spec.includedNamespaces ?? ['*']).join(', ') || '*'}`);
  lines.push(`  Excluded:   ${(b.spec.excludedNamespaces ?? []).join(', ') || '<none>'}`);
  lines.push('Resources:');
  lines.push(`  Included:   ${(b.spec.includedResources ?? []).join(', ') || '*'}`);
  lines.push(`  Excluded:   ${(b.spec.excludedResources ?? []).join(', ') || '<none>'}`);
  const icr = b.spec.includeClusterResources;
  lines.push(`  Cluster-scoped: ${icr === true ? 'included' : icr === false ? 'excluded' : 'auto'}`);
  lines.push(`Label selector: ${b.spec.labelSelector ? JSON.stringify(b.spec.labelSelector) : '<none>'}`);
  lines.push(`Storage location: ${b.spec.storageLocation ?? ''}`, `TTL:          ${b.spec.ttl ?? ''}`);
  lines.push(
    '',
    `Started:      ${s.startTimestamp ?? ''}`,
    `Completed:    ${s.completionTimestamp ?? ''}`,
    `Expiration:   ${s.expiration ?? ''}`,
  );
  lines.push(`Items backed up: ${s.progress?.itemsBackedUp ?? 0} of ${s.progress?.totalItems ?? 0}`);
  lines.push(...resourceHookLines(b.spec.hooks));
  lines.push(...podVolumeLines(d.podVolumes, details));
  const hooks = s.hookStatus;
  if ((hooks?.hooksAttempted ?? 0) > 0)
    lines.push(
      '',
      `HooksAttempted: ${hooks?.hooksAttempted ?? 0}`,
      `HooksFailed:    ${hooks?.hooksFailed ?? 0}${(hooks?.hooksFailed ?? 0) > 0 ? ' (see Errors)' : ''}`,
    );
  if (d.resourceList !== undefined) {
    lines.push('', 'Resources (count):');
    for (const [key, entries] of Object.entries(d.resourceList)) {
      lines.push(`  ${key}: ${entries.length}`);
      if (details) for (const e of entries) lines.push(`    - ${e}`);
    }
  }
  for (const kind of ['errors', 'warnings'] as const) {
    const r = d.results?.[kind];
    if (r === undefined) continue;
    const messages = [
      ...(r.velero ?? []).map((m) => `velero:${m}`),
      ...(r.cluster ?? []).map((m) => `cluster:${m}`),
      ...Object.entries(r.namespaces ?? {}).flatMap(([ns, ms]) => ms.map((m) => `${ns}:${m}`)),
    ];
    if (messages.length === 0) continue;
    lines.push('', `${kind === 'errors' ? 'Errors' : 'Warnings'}:`);
    for (const m of details ? messages : messages.slice(0, 20)) lines.push(`  ${m}`);
    if (!details && messages.length > 20) lines.push(`  … ${messages.length - 20} more (use --details)`);
  }
  lines.push(
    '',
    `Objects in the location: ${d.objects.length} (${formatBytes(d.objects.reduce((a, o) => a + o.size, 0))})`,
  );
  if (details) for (const o of d.objects) lines.push(`  ${o.key}  ${formatBytes(o.size)}`);
  return `${lines.join('\n')}\n`;
}
