import { LifeboatError } from '../../errors/index.ts';

/**
 * Reading what PowerShell wrote: `Out-File`/`>` in Windows PowerShell 5.1 write UTF-16 LE with a
 * BOM, `Set-Content` the ANSI code page, PowerShell 7 UTF-8 without BOM; `ConvertTo-Json` cuts
 * objects deeper than `-Depth` (default 2) down to their type name.
 */

export interface DecodedText {
  text: string;
  encoding: string;
}

export function decodeText(bytes: Buffer, file: string): DecodedText {
  if (bytes.length === 0 || bytes.every((b) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09))
    throw usage(
      `${file} is empty`,
      'export it again, e.g. Get-AksHciConfig | ConvertTo-Json -Depth 10 | Out-File FILE',
    );
  const [b0, b1, b2, b3] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  if (b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0)
    throw usage(
      `${file} is UTF-32, which lifeboat does not read`,
      'save it as UTF-8 or UTF-16 (Out-File -Encoding utf8)',
    );
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf)
    return { text: utf8(bytes.subarray(3), file), encoding: 'utf-8 with BOM' };
  if (b0 === 0xff && b1 === 0xfe)
    return { text: bytes.subarray(2).toString('utf16le'), encoding: 'utf-16le with BOM' };
  if (b0 === 0xfe && b1 === 0xff)
    return { text: swap16(bytes.subarray(2)).toString('utf16le'), encoding: 'utf-16be with BOM' };
  if (bytes.length >= 2 && b0 !== 0 && b1 === 0)
    return { text: bytes.toString('utf16le'), encoding: 'utf-16le' };
  if (bytes.length >= 2 && b0 === 0 && b1 !== 0)
    return { text: swap16(bytes).toString('utf16le'), encoding: 'utf-16be' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    // Windows PowerShell's Set-Content default: the ANSI code page.
    return {
      text: new TextDecoder('windows-1252').decode(bytes),
      encoding: 'windows-1252 (not UTF-8; read as ANSI)',
    };
  }
}

function utf8(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    throw usage(
      `${file} starts with a UTF-8 byte order mark but is not valid UTF-8`,
      'export it again with Out-File -Encoding utf8',
      err,
    );
  }
}

function swap16(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)));
  return out.swap16();
}

/** Parses ConvertTo-Json output; names the file and recognises table/list output pasted instead of JSON. */
export function parseJson(text: string, file: string, exportHint: string): unknown {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  const depth = nestingDepth(trimmed);
  if (depth > MAX_DEPTH)
    throw usage(
      `${file} nests ${depth} levels deep; ConvertTo-Json writes at most 100 (-Depth 100)`,
      `export it again: ${exportHint}`,
    );
  try {
    return JSON.parse(trimmed);
  } catch (err) {
    if (!/^[[{]/.test(trimmed) && /^[ \t]*[A-Za-z][\w ]{0,80}:\s/m.test(trimmed)) {
      throw usage(`${file} is PowerShell's table/list output, not JSON`, `export it as JSON: ${exportHint}`);
    }
    // V8 quotes the start of the text ("hunter2…" is not valid JSON): an export's content stays out.
    const reason = (err as Error).message.replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '');
    throw usage(`${file} is not valid JSON: ${reason}`, `export it again: ${exportHint}`);
  }
}

/** What ConvertTo-Json writes for an object past -Depth: its type name or `@{a=…; b=…}`. */
const TRUNCATED = [
  /^@\{.*\}$/s,
  /^System\.(Collections|Object|Management\.Automation|Object\[\])[\w.`[\],]*$/,
  /^System\.[A-Za-z]+\[\]$/,
  /^Microsoft\.[A-Za-z][\w.+]*$/,
];

/** A value ConvertTo-Json cut down to a type name or a display form (`System.Collections.Hashtable`). */
export function isTruncatedValue(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 4096) return false;
  const v = value.trim();
  return TRUNCATED.some((re) => re.test(v));
}

/**
 * `@{VMSize=Standard_A4_v2; Count=1; Sku=HAProxy}`, what ConvertTo-Json writes for an object one
 * level past -Depth, read back as its properties (as text); undefined when it cannot be read safely
 * (a value holding `;`, `=`, braces or another object).
 */
export function readDisplayForm(value: string): Record<string, string> | undefined {
  const m = /^@\{(.*)\}$/s.exec(value.trim());
  if (m === null || value.length > 4096) return undefined;
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const body = m[1]!.trim();
  if (body === '') return out;
  for (const part of body.split('; ')) {
    const pair = /^([A-Za-z_][A-Za-z0-9_]{0,99})=([^;={}]*)$/.exec(part);
    if (pair === null || Object.hasOwn(out, pair[1]!)) return undefined;
    out[pair[1]!] = pair[2]!;
  }
  return out;
}

/** Deeper than this is no ConvertTo-Json output (its -Depth is at most 100) and no AKS-HCI export. */
export const MAX_DEPTH = 128;

/** How deeply the JSON text nests, counted without parsing (no recursion, linear). */
export function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** Dotted paths of the values that were cut down to a type name by ConvertTo-Json's depth limit. */
export function truncatedPaths(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => truncatedPaths(v, `${path}[${i}]`));
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([k, v]) => truncatedPaths(v, path === '' ? k : `${path}.${k}`));
  if (isTruncatedValue(value)) return [path || '(the document)'];
  return [];
}

/** Windows PowerShell 5.1 sometimes serialises an array as `{"value": [...], "Count": n}`. */
export function unwrapArray(value: unknown): { value: unknown; unwrapped: boolean } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { value, unwrapped: false };
  const entries = Object.entries(value as Record<string, unknown>);
  const inner = entries.find(([k]) => k.toLowerCase() === 'value')?.[1];
  if (entries.length === 2 && Array.isArray(inner) && entries.some(([k]) => k.toLowerCase() === 'count'))
    return { value: inner, unwrapped: true };
  return { value, unwrapped: false };
}

export function usage(message: string, hint: string, cause?: unknown): LifeboatError {
  return new LifeboatError('USAGE', message, { hint, cause });
}
