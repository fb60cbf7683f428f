import type { RestoreDescription, RestoreRunResult, RestoreVerifyReport } from '../app/restore/index.ts';
import { formatBytes, renderTable, type Column } from '../output/index.ts';

type Plan = RestoreRunResult['plan'];
type Counts = Plan['totals'];

const COUNT_COLUMNS = <T extends { counts: Counts }>(): Column<T>[] => [
  { header: 'CREATE', value: (r) => r.counts.create, align: 'right' },
  { header: 'UPDATE', value: (r) => r.counts.update, align: 'right' },
  { header: 'EXISTS-SAME', value: (r) => r.counts['exists-identical'], align: 'right' },
  { header: 'EXISTS-DIFFERENT', value: (r) => r.counts['exists-different'], align: 'right' },
  { header: 'SKIP', value: (r) => r.counts.skip, align: 'right' },
];

/** The dry-run plan as text: findings, then a summary per resource and per namespace, then (details) every item. */
export function planText(plan: Plan, details: boolean): string {
  const out: string[] = [];
  out.push(findingsText(plan));
  const byResource = Object.entries(plan.byResource).map(([resource, counts]) => ({ resource, counts }));
  const order = new Map(plan.steps.map((s, i) => [s.groupResource, i]));
  byResource.sort((a, b) => (order.get(a.resource) ?? -1) - (order.get(b.resource) ?? -1));
  out.push('Resources (in restore order):');
  out.push(
    renderTable(byResource, [
      { header: 'RESOURCE', value: (r) => r.resource },
      ...COUNT_COLUMNS<(typeof byResource)[number]>(),
    ]),
  );
  const byNs = Object.entries(plan.byNamespace).map(([namespace, counts]) => ({ namespace, counts }));
  out.push('Namespaces (target):');
  out.push(
    renderTable(byNs, [
      { header: 'NAMESPACE', value: (r) => r.namespace },
      ...COUNT_COLUMNS<(typeof byNs)[number]>(),
    ]),
  );
  const t = plan.totals;
  out.push(
    `Total: ${t.create} to create, ${t.update} to update, ${t['exists-identical']} already present, ${t['exists-different']} present but different, ${t.skip} skipped.`,
  );
  if (details) {
    out.push('', 'Items:');
    for (const step of plan.steps) {
      out.push(`  ${step.groupResource} (${step.tier}):`);
      for (const i of step.items) {
        const id = i.targetNamespace ? `${i.targetNamespace}/${i.name}` : i.name;
        const why = i.reason ? `  — ${i.reason}${i.hint ? ` (${i.hint})` : ''}` : '';
        const scope = i.clusterScoped ? ' [cluster-scoped]' : '';
        out.push(`    ${i.action.padEnd(16)} ${id}${scope}${why}`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}

export function findingsText(plan: Plan): string {
  if (plan.findings.length === 0) return 'Pre-flight: no findings.\n';
  const lines = ['Pre-flight findings:'];
  for (const f of plan.findings) {
    lines.push(`  ${f.severity.toUpperCase().padEnd(7)} ${f.message}`);
    const marker = f.kind === 'cluster-scoped' ? 'CLUSTER-SCOPED ' : '';
    for (const o of f.objects ?? []) lines.push(`          ${marker}${o}`);
    if (f.hint) lines.push(`          hint: ${f.hint}`);
  }
  return `${lines.join('\n')}\n`;
}

export function verifyText(name: string, report: RestoreVerifyReport): string {
  const lines = [
    `Verified ${report.checked} objects: ${report.identical} identical, ${report.mismatches.length} mismatched.`,
  ];
  for (const m of report.mismatches) {
    const id = `${m.resource} ${m.namespace ? `${m.namespace}/` : ''}${m.name}`;
    lines.push(
      `  ${m.problem.padEnd(9)} ${id}${m.differences.length > 0 ? `: ${m.differences.join('; ')}` : ''}`,
    );
  }
  lines.push(report.ok ? `Restore "${name}" verified.` : `Restore "${name}" failed verification.`);
  return `${lines.join('\n')}\n`;
}

export function describeText(d: RestoreDescription, details: boolean): string {
  const r = d.record;
  const s = r.spec;
  const list = (v: string[]) => (v.length > 0 ? v.join(', ') : '<none>');
  const map = (m: Record<string, string>) =>
    Object.entries(m)
      .map(([a, b]) => `${a}:${b}`)
      .join(', ') || '<none>';
  const lines = [
    `Name:         ${r.name}`,
    `Phase:        ${r.phase}`,
    `Backup:       ${s.backupName}${s.scheduleName ? ` (schedule ${s.scheduleName})` : ''}`,
    `Target:       ${r.targetServer}`,
    '',
    'Namespaces:',
    `  Included:   ${list(s.includedNamespaces.length > 0 ? s.includedNamespaces : ['*'])}`,
    `  Excluded:   ${list(s.excludedNamespaces)}`,
    'Resources:',
    `  Included:   ${list(s.includedResources.length > 0 ? s.includedResources : ['*'])}`,
    `  Excluded:   ${list(s.excludedResources)}`,
    `  Cluster-scoped: ${s.includeClusterResources === undefined ? 'auto' : s.includeClusterResources ? 'included' : 'excluded'}`,
    `Label selector:     ${s.labelSelector ?? '<none>'}`,
    `Namespace mappings: ${map(s.namespaceMapping)}`,
    `Storage class mappings: ${map(s.storageClassMapping)}`,
    `Existing resource policy: ${s.existingResourcePolicy}`,
    `Preserve node ports: ${s.preserveNodePorts}`,
    `Restore status of: ${list(s.restoreStatus)}`,
    '',
    `Started:      ${r.startTimestamp}`,
    `Completed:    ${r.completionTimestamp ?? ''}`,
    `Items:        ${r.counts.created} created, ${r.counts.updated} updated, ${r.counts.skipped} skipped, ${r.counts.failed} failed`,
    `Errors:       ${r.errors}`,
    `Warnings:     ${r.warnings}`,
  ];
  for (const kind of ['errors', 'warnings'] as const) {
    const res = d.results?.[kind];
    const messages = [
      ...(res?.velero ?? []).map((m) => `velero: ${m}`),
      ...(res?.cluster ?? []).map((m) => `cluster: ${m}`),
      ...Object.entries(res?.namespaces ?? {}).flatMap(([ns, ms]) => ms.map((m) => `${ns}: ${m}`)),
    ];
    if (messages.length === 0) continue;
    lines.push('', `${kind === 'errors' ? 'Errors' : 'Warnings'}:`);
    for (const m of details ? messages : messages.slice(0, 20)) lines.push(`  ${m}`);
    if (!details && messages.length > 20) lines.push(`  … ${messages.length - 20} more (use --details)`);
  }
  lines.push(...podVolumesText(r.podVolumes));
  if (details && d.resourceList) {
    lines.push('', 'Resource List:');
    for (const [key, entries] of Object.entries(d.resourceList)) {
      lines.push(`  ${key}:`);
      for (const e of entries) lines.push(`    - ${e}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

type PodVolumeSummary = NonNullable<RestoreDescription['record']['podVolumes']>[number];

/** Each pod volume whose data the restore asked for: phase, bytes, node and message. */
export function podVolumesText(volumes: readonly PodVolumeSummary[] | undefined): string[] {
  if (volumes === undefined || volumes.length === 0) return [];
  const phases = new Map<string, number>();
  for (const v of volumes) phases.set(v.phase, (phases.get(v.phase) ?? 0) + 1);
  const counts = [...phases].map(([phase, n]) => `${phase} ${n}`).join(', ');
  const bytes = (v: PodVolumeSummary) =>
    v.totalBytes === undefined
      ? formatBytes(v.bytesDone ?? 0)
      : `${formatBytes(v.bytesDone ?? 0)}/${formatBytes(v.totalBytes)}`;
  const table = renderTable(volumes, [
    { header: 'POD', value: (v) => `${v.namespace}/${v.pod}` },
    { header: 'VOLUME', value: (v) => v.volume },
    { header: 'PHASE', value: (v) => v.phase },
    { header: 'BYTES', value: bytes, align: 'right' },
    { header: 'NODE', value: (v) => v.node ?? '' },
    { header: 'SNAPSHOT', value: (v) => `${v.sourceNamespace}/${v.snapshotID}` },
  ]);
  const lines = ['', `Pod volume restores (kopia): ${counts}`];
  lines.push(
    ...table
      .trimEnd()
      .split('\n')
      .map((l) => `  ${l}`),
  );
  for (const v of volumes.filter((x) => x.message))
    lines.push(`  ${v.namespace}/${v.pod} ${v.volume}: ${v.message ?? ''}`);
  return lines;
}
