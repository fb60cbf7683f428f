import { open } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { LifeboatError } from '../errors/index.ts';

/**
 * Reading the config file's YAML with bounds: the parser recurses per nesting level and needs
 * seconds to fail on a deeply nested megabyte, so size and depth are checked before it runs; alias
 * expansion is capped (billion laughs) and a `__proto__` key is refused, never silently dropped.
 */

/** A config file is a few kilobytes; a larger one is refused unread. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Flow collections (`[`, `{`) nested deeper than this are refused. */
export const MAX_FLOW_DEPTH = 64;
/** Block nesting: indentation plus `- `, `? `, `: ` indicators at a line's start. */
export const MAX_INDENT = 256;
/** At most this many anchors may be expanded (billion laughs). */
export const MAX_ALIAS_COUNT = 100;

/** Where a quote may open a quoted scalar: after one of these (or at a line's start). */
const SCALAR_START = new Set(['', ':', '-', '?', '[', '{', ',', '!', '&', '|', '>']);

/** The first reason the text is too deep to parse, else undefined; one pass, no parsing. */
export function yamlDepthProblem(text: string): string | undefined {
  let depth = 0;
  let line = 1;
  let indent = 0;
  let leading = true;
  let previous = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== undefined) {
      if (c === '\n') line++;
      if (quote === '"' && c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '\n') {
      [line, indent, leading, previous] = [line + 1, 0, true, ''];
      continue;
    }
    if (leading && (c === ' ' || (isIndicator(c) && /[ \n]/.test(text[i + 1] ?? '\n')))) {
      if (++indent > MAX_INDENT) return `line ${line} is nested more than ${MAX_INDENT} columns deep`;
      continue;
    }
    leading = false;
    if (c === ' ' || c === '\t') continue;
    if (c === '#' && /\s/.test(text[i - 1] ?? ' ')) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
      continue;
    }
    if ((c === '"' || c === "'") && SCALAR_START.has(previous)) quote = c;
    else if (c === '[' || c === '{') {
      if (++depth > MAX_FLOW_DEPTH)
        return `line ${line} nests more than ${MAX_FLOW_DEPTH} levels of [ ] or { }`;
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
    previous = c;
  }
  return undefined;
}

function isIndicator(c: string): boolean {
  return c === '-' || c === '?' || c === ':';
}

const HINT = 'fix the YAML syntax, or recreate the file with lifeboat location create';

/** The file's text, read only up to MAX_CONFIG_BYTES (a device or a huge file is refused, not read). */
export async function readConfigText(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_CONFIG_BYTES) throw tooLarge(file);
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    await handle.close();
  }
}

/** Parses config YAML into plain data; CONFIG errors name the file and the line or key at fault. */
export function parseConfigYaml(text: string, file: string): unknown {
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) throw tooLarge(file);
  const tooDeep = yamlDepthProblem(text);
  if (tooDeep !== undefined)
    throw new LifeboatError('CONFIG', `config file ${file}: ${tooDeep}`, { hint: HINT });
  const doc = parseDocument(text, { prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError !== undefined) {
    const line = yamlError.linePos?.[0].line;
    throw new LifeboatError(
      'CONFIG',
      `config file ${file} is not valid YAML${line === undefined ? '' : ` (line ${line})`}: ${yamlError.message.split('\n')[0] ?? ''}`,
      { hint: HINT },
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw new LifeboatError('CONFIG', `config file ${file}: ${(err as Error).message}`, {
      cause: err,
      hint: `use at most ${MAX_ALIAS_COUNT} aliases (*name); write the values out instead`,
    });
  }
  const protoAt = protoKeyPath(raw, []);
  if (protoAt !== undefined)
    throw new LifeboatError('CONFIG', `config file ${file}: ${protoAt}: the key __proto__ is not allowed`, {
      hint: `remove __proto__ from ${file}`,
      details: { file, field: protoAt },
    });
  return raw;
}

/** The path of the first own `__proto__` key in the data (depth is bounded by yamlDepthProblem). */
export function protoKeyPath(value: unknown, path: string[]): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  for (const key of Object.keys(value)) {
    if (key === '__proto__') return [...path, key].join('.');
    const found = protoKeyPath((value as Record<string, unknown>)[key], [...path, key]);
    if (found !== undefined) return found;
  }
  return undefined;
}

function tooLarge(file: string): LifeboatError {
  return new LifeboatError('CONFIG', `config file ${file} is larger than ${MAX_CONFIG_BYTES} bytes`, {
    hint: 'a lifeboat config file is a few kilobytes: check that --config names the right file',
  });
}
