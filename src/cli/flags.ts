import * as z from 'zod';
import { Option } from 'commander';
import { LifeboatError } from '../errors/index.ts';
import { parseDuration } from '../gojson/index.ts';
import { firstReservedLabel, nullObject } from '../model/index.ts';

/** Comma-separated list flag ("a,b*") → trimmed, non-empty entries. */
export function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** "k=v,k2=v2" → record; bad pairs are usage errors naming the flag. */
export function keyValues(value: string | undefined, flag: string): Record<string, string> {
  const out = nullObject<string>();
  for (const pair of list(value)) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new LifeboatError('USAGE', `${flag}: '${pair}' is not key=value`, {
        hint: `e.g. ${flag} team=payments,env=prod`,
      });
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

/** `--labels k=v,...` for backups: key=value pairs, none of them a label Velero or lifeboat sets itself. */
export function backupLabels(value: string | undefined, flag: string): Record<string, string> {
  const labels = keyValues(value, flag);
  const reserved = firstReservedLabel(labels);
  if (reserved !== undefined)
    throw new LifeboatError('USAGE', `${flag}: label '${reserved.key}' is reserved: ${reserved.reason}`, {
      hint: 'use a label key of your own, e.g. team=payments or example.com/tier=gold',
      details: { label: reserved.key },
    });
  return labels;
}

export function tristate(value: string | undefined, flag: string): boolean | undefined {
  if (value === undefined || value === 'auto' || value === '') return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new LifeboatError('USAGE', `${flag} must be true, false or auto (got '${value}')`);
}

/** A Kubernetes object name (DNS-1123 subdomain), as Velero requires for backups and restores. */
export const ObjectName = z
  .string()
  .max(253, 'at most 253 characters')
  .regex(
    /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
    'lower-case letters, digits, "-" and "."; starting and ending with a letter or digit',
  );

/** Validates with zod and turns failures into a usage error that names the field at fault. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  throw new LifeboatError(
    'USAGE',
    `invalid ${what}${path ? ` ${path}` : ''}: ${issue?.message ?? 'invalid value'}`,
  );
}

export const OutputFormat = z.enum(['table', 'json', 'yaml']);
export type OutputFormat = z.infer<typeof OutputFormat>;

/** `-o, --output`: a table (the default), JSON or YAML. */
export function outputOption(): Option {
  return new Option('-o, --output <format>', 'table, json or yaml')
    .choices(OutputFormat.options)
    .default('table');
}

/** Deleting cannot be undone: without --confirm, a usage error that shows the command to run. */
export function requireConfirmation(
  noun: 'backup' | 'restore',
  name: string,
  confirmed: boolean | undefined,
): void {
  if (confirmed === true) return;
  throw new LifeboatError('USAGE', `deleting ${noun} "${name}" cannot be undone`, {
    hint: `run again with --confirm: lifeboat ${noun} delete ${name} --confirm`,
  });
}

/** Repeatable option: each use adds one value. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export const attachOption = () =>
  new Option(
    '--attach <KIND=FILE>',
    'platform configuration to store in the profile (repeatable): aks-hci-config, aks-hci-cluster, aks-hci-nodepool, aks-hci-network, each a PowerShell ConvertTo-Json export',
  ).argParser(collect);

/** A Go duration flag (90s, 15m, 4h) in milliseconds; a bad one is a usage error naming the flag. */
export function durationMs(value: string, flag: string): number {
  try {
    return parseDuration(value, flag);
  } catch (err) {
    throw new LifeboatError('USAGE', err instanceof Error ? err.message : String(err), {
      hint: `${flag} takes a Go duration, e.g. 90s, 15m or 4h`,
    });
  }
}

/**
 * `from:to,from2:to2` (namespace or StorageClass mappings) → a null-prototype record, each name
 * trimmed; a pair that is not `form` is a usage error whose hint shows `example`.
 */
export function mappings(
  value: string | undefined,
  flag: string,
  form = 'old:new',
  example = 'fast:managed-premium',
): Record<string, string> {
  const out = nullObject<string>();
  for (const pair of list(value)) {
    const [from, to, extra] = pair.split(':').map((s) => s.trim());
    if (!from || !to || extra !== undefined)
      throw new LifeboatError('USAGE', `${flag}: '${pair}' is not ${form}`, {
        hint: `e.g. ${flag} ${example}`,
      });
    out[from] = to;
  }
  return out;
}
