/**
 * `name: value` and `name=value` pairs in text whose name holds a secret: JSON (`"password": "x"`,
 * also escaped inside another JSON string), YAML (`client-key-data: LS0t…`, block scalars and nested
 * blocks under the name), query and connection strings (`sig=…&`, `AccountKey=…;`), dotenv and INI.
 * One left-to-right pass: every value is scanned once, so the time is linear in the text.
 */
const REDACTED = '[REDACTED]';

/** A name (optionally quoted, also as `\"name\"` inside JSON strings, however deep), then `:` or `=`. */
const candidate = () =>
  /(?<![A-Za-z0-9_.-])(\\{0,15}["']|)([A-Za-z_][A-Za-z0-9_.-]{0,99})\1[ \t]{0,16}([:=])[ \t]{0,16}/g;

/** Characters that end an unquoted value after `=` (a query, connection string or dotenv line). */
const END_AFTER_EQUALS = new Set([...' \t\r\n;&,"\'<>']);
/** After `:` (YAML, headers) a value may hold spaces: it ends at the line, a quote or a separator. */
const END_AFTER_COLON = new Set([...'\r\n;&,"\'<>}]']);
/** JSON escapes of a line break, a tab or a quote end an unquoted value inside a JSON string. */
const JSON_ESCAPES = new Set([...'nrt"']);

export function redactPairs(text: string, isSecret: (name: string) => boolean): string {
  const re = candidate();
  let out = '';
  let copied = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const [whole, quote = '', name = '', sep = ''] = m;
    if (!isSecret(name)) continue;
    const from = m.index + whole.length;
    const [start, end] = valueSpan(text, from, sep, quote, () => column(text, m.index));
    if (end > start && text.slice(start, end) !== REDACTED) {
      out += text.slice(copied, start) + REDACTED;
      copied = end;
    }
    re.lastIndex = Math.max(re.lastIndex, end);
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** The column of `at` in its line; past 256 characters any deeper block is unlikely, so it stops looking. */
function column(text: string, at: number): number {
  let i = at;
  while (i > 0 && at - i < 256 && text[i - 1] !== '\n') i--;
  return at - i;
}

/** Where the value that starts at `from` begins and ends (quotes left in place). */
function valueSpan(
  text: string,
  from: number,
  sep: string,
  quote: string,
  col: () => number,
): [number, number] {
  const c = text[from];
  // An object or a list: the names inside it are looked at one by one.
  if (c === '{' || c === '[') return [from, from];
  if (c === '\\') {
    // A quote escaped once or more (JSON inside JSON): the value ends at the same escaped quote.
    let q = from;
    while (text[q] === '\\' && q - from < 16) q++;
    if (text[q] === '"') {
      return [q + 1, closeOnLine(text, q + 1, text.slice(from, q + 1))];
    }
  }
  if (c === '"') return [from + 1, closingQuote(text, from + 1)];
  if (c === "'") return [from + 1, closeOnLine(text, from + 1, "'")];
  const stops = sep === '=' ? END_AFTER_EQUALS : END_AFTER_COLON;
  let end = from;
  while (end < text.length) {
    const ch = text[end]!;
    if (stops.has(ch)) break;
    if (ch === '\\' && JSON_ESCAPES.has(text[end + 1] ?? '')) break;
    end++;
  }
  while (end > from && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  const value = text.slice(from, end);
  // YAML: `name: |` or `name:` with the value (or a nested block) on the lines below.
  if (sep === ':' && quote === '' && (value === '' || /^[|>][-+0-9]{0,3}$/.test(value)))
    return [from, blockEnd(text, from, col())];
  return [from, end];
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  const end = nl < 0 ? text.length : nl;
  return text[end - 1] === '\r' ? end - 1 : end;
}

/** Where `quote` closes the value, or the end of its line: scanned once, never past the line. */
function closeOnLine(text: string, from: number, quote: string): number {
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n' || ch === '\r') return i;
    if (ch === quote[0] && text.startsWith(quote, i)) return i;
  }
  return text.length;
}

/** The closing `"` of a JSON or YAML double-quoted value, or the end of the line. */
function closingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') i++;
    else if (ch === '"') return i;
    else if (ch === '\n' || ch === '\r') return i;
  }
  return text.length;
}

/** The end of the lines below `from` indented deeper than `column` (blank lines included). */
function blockEnd(text: string, from: number, column: number): number {
  let end = lineEnd(text, from);
  let next = text.indexOf('\n', from);
  while (next >= 0) {
    const start = next + 1;
    let i = start;
    while (text[i] === ' ' || text[i] === '\t') i++;
    const blank = i >= text.length || text[i] === '\n' || text[i] === '\r';
    if (!blank && i - start <= column) break;
    if (!blank) end = lineEnd(text, start);
    next = text.indexOf('\n', start);
  }
  return end;
}
