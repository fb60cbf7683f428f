import { stringify } from 'yaml';

export type OutputFormat = 'table' | 'json' | 'yaml';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'yaml'];

export type Cell = string | number | boolean | null | undefined;

/** One column of a table: a header and how to get the cell of a row. */
export interface Column<T> {
  header: string;
  value: (row: T) => Cell;
  align?: 'left' | 'right';
}

interface Writable {
  write(chunk: string): unknown;
}

/** Column-aligned plain text: upper-case headers, two spaces between columns, no trailing blanks. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((c) => cellText(c.value(row))));
  const headers = columns.map((c) => c.header.toUpperCase());
  const widths = headers.map((h, i) => Math.max(width(h), ...cells.map((r) => width(r[i] ?? ''))));
  const line = (values: string[]) =>
    values
      .map((v, i) => {
        const pad = ' '.repeat((widths[i] ?? 0) - width(v));
        return columns[i]?.align === 'right' ? pad + v : v + pad;
      })
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...cells.map(line)].join('\n')}\n`;
}

export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function renderYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}

/**
 * The text of a value in the chosen format. Tables need columns; without them the columns are
 * the keys of the rows (flat objects).
 */
export function formatOutput<T>(
  value: T | readonly T[],
  format: OutputFormat,
  columns?: readonly Column<T>[],
): string {
  if (format === 'json') return renderJson(value);
  if (format === 'yaml') return renderYaml(value);
  const rows = (Array.isArray(value) ? value : [value]) as readonly T[];
  return renderTable(rows, columns ?? columnsFromKeys(rows));
}

export function printTable<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  out: Writable = process.stdout,
): void {
  out.write(renderTable(rows, columns));
}

export function printJson(value: unknown, out: Writable = process.stdout): void {
  out.write(renderJson(value));
}

export function printYaml(value: unknown, out: Writable = process.stdout): void {
  out.write(renderYaml(value));
}

export function printOutput<T>(
  value: T | readonly T[],
  format: OutputFormat,
  columns?: readonly Column<T>[],
  out: Writable = process.stdout,
): void {
  out.write(formatOutput(value, format, columns));
}

function columnsFromKeys<T>(rows: readonly T[]): Column<T>[] {
  const keys = new Set<string>();
  for (const row of rows)
    if (row !== null && typeof row === 'object') for (const k of Object.keys(row)) keys.add(k);
  return [...keys].map((key) => ({
    header: key,
    value: (row: T) => {
      const v: unknown = (row as Record<string, unknown>)[key];
      return v === null || v === undefined || typeof v !== 'object' ? (v as Cell) : JSON.stringify(v);
    },
  }));
}

function cellText(value: Cell): string {
  if (value === null || value === undefined || value === '') return '-';
  return String(value).replace(/[\r\n\t]+/g, ' ');
}

/** Display width: code points (wide CJK characters count as two). */
function width(text: string): number {
  let n = 0;
  for (const ch of text)
    n +=
      /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(
        ch,
      )
        ? 2
        : 1;
  return n;
}
