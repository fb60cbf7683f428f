/** A small document model for runbooks, rendered as Markdown or plain text. */
export type Block =
  | { type: 'p'; text: string }
  | { type: 'code'; lang: string; lines: string[] }
  | { type: 'list'; items: string[] }
  | { type: 'table'; header: string[]; rows: string[][] };

export interface Step {
  title: string;
  blocks: Block[];
}

export interface RunbookDoc {
  title: string;
  intro: Block[];
  steps: Step[];
}

/** A value with where it came from; `value` undefined means the operator must supply it. */
export interface Val {
  value: string | undefined;
  source: string;
}

export const FILL_IN = (what: string) => `<fill in: ${what}>`;

export function val(value: string | number | undefined, source: string): Val {
  return { value: value === undefined || value === '' ? undefined : String(value), source };
}

export const p = (text: string): Block => ({ type: 'p', text });
export const list = (items: string[]): Block => ({ type: 'list', items });
export const code = (lang: string, lines: string[]): Block => ({ type: 'code', lang, lines });

/** A parameter of a command: a value with its source, a literal (`$vnet`), or a switch. */
export type Param = [name: string, v: Val | { literal: string } | { switch: true }];

function psQuote(text: string): string {
  if (text.startsWith('<fill in')) return text;
  return /^[\w.:/\\@$=-]+$/.test(text) ? text : `'${text.replace(/'/g, "''")}'`;
}

/**
 * A PowerShell command, one parameter per line (backtick continuations), and the table saying
 * where every value came from. Values nobody knows are `<fill in: …>`: the command does not run
 * until the operator supplies them.
 */
export function psCommand(
  prefix: string,
  cmdlet: string,
  params: Param[],
  fillIns: Record<string, string> = {},
): Block[] {
  const parts: string[] = [];
  const rows: string[][] = [];
  for (const [name, v] of params) {
    if ('switch' in v) parts.push(`-${name}`);
    else if ('literal' in v) parts.push(`-${name} ${v.literal}`);
    else {
      const text = v.value ?? FILL_IN(fillIns[name] ?? v.source);
      parts.push(`-${name} ${psQuote(text)}`);
      rows.push([
        `-${name}`,
        v.value ?? '(fill in)',
        v.value === undefined ? `unknown: ${fillIns[name] ?? v.source}` : v.source,
      ]);
    }
  }
  const head = `${prefix}${cmdlet}`;
  const lines =
    parts.length === 0
      ? [head]
      : [`${head} \``, ...parts.map((x, i) => `  ${x}${i < parts.length - 1 ? ' `' : ''}`)];
  const blocks: Block[] = [code('powershell', lines)];
  if (rows.length > 0) blocks.push({ type: 'table', header: ['Parameter', 'Value', 'Source'], rows });
  return blocks;
}

export function renderMarkdown(doc: RunbookDoc): string {
  const out: string[] = [`# ${doc.title}`, ''];
  out.push(...doc.intro.flatMap(mdBlock));
  doc.steps.forEach((s, i) => {
    out.push(`## ${i + 1}. ${s.title}`, '');
    out.push(...s.blocks.flatMap(mdBlock));
  });
  return `${out.join('\n').trimEnd()}\n`;
}

export function mdBlock(b: Block): string[] {
  switch (b.type) {
    case 'p':
      return [b.text, ''];
    case 'list':
      return [...b.items.map((i) => `- ${i}`), ''];
    case 'code':
      return [`\`\`\`${b.lang}`, ...b.lines, '```', ''];
    case 'table': {
      const cell = (c: string) => c.replace(/\|/g, '\\|').replace(/\n/g, ' ');
      return [
        `| ${b.header.join(' | ')} |`,
        `| ${b.header.map(() => '---').join(' | ')} |`,
        ...b.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
        '',
      ];
    }
  }
}

export function renderText(doc: RunbookDoc): string {
  const out: string[] = [doc.title, '='.repeat(doc.title.length), ''];
  out.push(...doc.intro.flatMap(textBlock));
  doc.steps.forEach((s, i) => {
    const title = `${i + 1}. ${s.title}`;
    out.push(title, '-'.repeat(title.length), '');
    out.push(...s.blocks.flatMap(textBlock));
  });
  return `${out.join('\n').trimEnd()}\n`;
}

export function textBlock(b: Block): string[] {
  switch (b.type) {
    case 'p':
      return [b.text.replace(/`/g, ''), ''];
    case 'list':
      return [...b.items.map((i) => `  * ${i.replace(/`/g, '')}`), ''];
    case 'code':
      return [...b.lines.map((l) => `    ${l}`), ''];
    case 'table': {
      const widths = b.header.map((h, i) => Math.max(h.length, ...b.rows.map((r) => (r[i] ?? '').length)));
      const line = (r: string[]) =>
        `  ${r
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd()}`;
      return [line(b.header), ...b.rows.map(line), ''];
    }
  }
}
