import type { BackupHooksSpec, VeleroBackup } from '../model/index.ts';

/** A stored backup's spec.hooks, or a schedule's template hooks as configured. */
type StoredHooks = VeleroBackup['spec']['hooks'] | BackupHooksSpec;
type StoredResourceHook = NonNullable<NonNullable<StoredHooks>['resources']>[number];
type StoredExec = NonNullable<NonNullable<StoredResourceHook['pre']>[number]['exec']>;

/**
 * `backup describe`'s (and `schedule describe`'s) lines for the resource hooks of a backup spec
 * (spec.hooks), as Velero's describe shows them: each named hook spec, what it selects, and its pre and post exec hooks.
 */
export function resourceHookLines(hooks: StoredHooks): string[] {
  const resources = hooks?.resources ?? [];
  if (resources.length === 0) return [];
  const lines = ['', 'Hooks:', '  Resources:'];
  for (const r of resources) {
    lines.push(
      `    ${r.name ?? '<unnamed>'}:`,
      `      Namespaces:  included ${joined(r.includedNamespaces, '*')}, excluded ${joined(r.excludedNamespaces, '<none>')}`,
      `      Resources:   included ${joined(r.includedResources, '*')}, excluded ${joined(r.excludedResources, '<none>')}`,
      `      Label selector: ${selectorText(r.labelSelector)}`,
    );
    for (const [title, hooksOfPhase] of [
      ['Pre exec hooks', r.pre],
      ['Post exec hooks', r.post],
    ] as const) {
      const execs = (hooksOfPhase ?? []).flatMap((h) => (h.exec ? [h.exec] : []));
      if (execs.length === 0) continue;
      lines.push(`      ${title}:`);
      for (const e of execs) lines.push(`        - ${execText(e)}`);
    }
  }
  return lines;
}

function execText(e: StoredExec): string {
  const command = JSON.stringify(e.command ?? []);
  const shown = command.length > 200 ? `${command.slice(0, 200)}…` : command;
  const timeout = e.timeout === undefined || e.timeout === '0s' ? '30s (default)' : e.timeout;
  return `container ${e.container || '<first>'}, command ${shown}, on error ${e.onError || 'Fail'}, timeout ${timeout}`;
}

function joined(list: readonly string[] | null | undefined, empty: string): string {
  return list === undefined || list === null || list.length === 0 ? empty : list.join(', ');
}

function selectorText(selector: StoredResourceHook['labelSelector']): string {
  if (selector === undefined || selector === null) return '<none>';
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? [])
    parts.push(`${e.key} ${e.operator}${e.values?.length ? ` (${e.values.join(',')})` : ''}`);
  return parts.join(', ') || '<everything>';
}
