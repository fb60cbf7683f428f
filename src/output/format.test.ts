import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatOutput, printTable, renderTable, type Column } from './format.ts';

interface Row {
  name: string;
  size: number;
  note?: string;
}
const columns: Column<Row>[] = [
  { header: 'Name', value: (r) => r.name },
  { header: 'Size', value: (r) => r.size, align: 'right' },
  { header: 'Note', value: (r) => r.note },
];
const rows: Row[] = [
  { name: 'nightly-20260101', size: 1234, note: 'ok' },
  { name: 'b', size: 5 },
];

describe('tables', () => {
  it('aligns columns, right-aligns numbers on request, shows "-" for empty cells', () => {
    expect(renderTable(rows, columns)).toBe(
      ['NAME              SIZE  NOTE', 'nightly-20260101  1234  ok', 'b                    5  -', ''].join(
        '\n',
      ),
    );
  });

  it('prints only headers for no rows, and flattens newlines', () => {
    expect(renderTable([], columns)).toBe('NAME  SIZE  NOTE\n');
    expect(renderTable([{ name: 'a\nb', size: 1 }], columns)).toContain('a b');
  });

  it('writes to the given stream', () => {
    let written = '';
    printTable(rows, columns, { write: (s: string) => (written += s) });
    expect(written.split('\n')[0]).toBe('NAME              SIZE  NOTE');
  });

  it('counts wide characters as two columns', () => {
    const out = renderTable(
      [
        { name: '日本', size: 1 },
        { name: 'abcd', size: 2 },
      ],
      columns,
    );
    expect(out.split('\n')[1]).toBe('日本     1  -');
  });
});

describe('formatOutput', () => {
  it('gives JSON and YAML that parse back', () => {
    expect(JSON.parse(formatOutput(rows, 'json'))).toEqual(rows);
    expect(parse(formatOutput(rows, 'yaml'))).toEqual(rows);
  });

  it('derives columns from keys when none are given', () => {
    expect(formatOutput([{ a: 1, b: { c: 2 } }], 'table')).toBe('A  B\n1  {"c":2}\n');
    expect(formatOutput({ a: 'x' }, 'table')).toBe('A\nx\n');
  });
});
