import { LifeboatError } from '../errors/index.ts';

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
  try {
    return JSON.parse(trimmed);
  } catch (err) {
    if (!/^[[{]/.test(trimmed) && /^\s*[A-Za-z][\w ]*\s*:\s/m.test(trimmed)) {
      throw usage(`${file} is PowerShell's table/list output, not JSON`, `export it as JSON: ${exportHint}`);
    }
    throw usage(
      `${file} is not valid JSON: ${(err as Error).message}`,
      `export it again: ${exportHint}`,
      err,
    );
  }
}

/** What ConvertTo-Json writes for an object past -Depth: its type name or `@{a=…; b=…}`. */
const TRUNCATED = [
  /^@\{.*\}$/s,
  /^System\.(Collections|Object|Management\.Automation|Object\[\])[\w.`[\],]*$/,
  /^System\.[A-Za-z]+\[\]$/,
  /^Microsoft\.[A-Za-z][\w.+]*$/,
];

/** Dotted paths of the values that were cut down to a type name by ConvertTo-Json's depth limit. */
export function truncatedPaths(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => truncatedPaths(v, `${path}[${i}]`));
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([k, v]) => truncatedPaths(v, path === '' ? k : `${path}.${k}`));
  if (typeof value === 'string' && TRUNCATED.some((re) => re.test(value.trim())))
    return [path || '(the document)'];
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
