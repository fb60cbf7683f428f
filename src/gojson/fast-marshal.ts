import { nullObject } from '../model/index.ts';

/** goMarshal's fast path: JSON.stringify of the value with its keys put in Go's order. */

/**
 * The common case at the speed of JSON.stringify: objects whose keys are not in Go's order are
 * rebuilt with sorted keys (objects already in order, and arrays, are reused as they are), then
 * stringified, then Go's HTML escaping is applied. Anything JSON.stringify would write differently
 * from Go sends the value to the exact encoder instead: integer-like keys (JS objects order them
 * numerically), a `__proto__` key (assigned to a plain object it sets the prototype instead), -0,
 * Maps, RawNumbers and bigints (found while walking), and any surrogate in the output — keys or
 * strings beyond the BMP sort differently in UTF-8, and lone surrogates become U+FFFD in Go (found
 * with one scan of the text).
 */
export function fastMarshal(value: unknown): string | undefined {
  const prepared = canonical(value);
  if (prepared === SLOW) return undefined;
  const text = JSON.stringify(prepared);
  if (SURROGATE_IN_OUTPUT.test(text)) return undefined;
  return HTML_UNSAFE.test(text) ? text.replace(HTML_UNSAFE_ALL, (c) => HTML_ESCAPES[c]!) : text;
}

const SLOW: unique symbol = Symbol('slow');
const INDEX_KEY = /^(?:0|[1-9]\d*)$/;
/** A raw surrogate (a pair or a lone one) or a lone one JSON.stringify escaped as \udXXX. */
const SURROGATE_IN_OUTPUT = /[\ud800-\udfff]|\\ud[89a-f]/;
const HTML_UNSAFE = /[<>&\u2028\u2029]/;
const HTML_UNSAFE_ALL = /[<>&\u2028\u2029]/g;
const HTML_ESCAPES: Record<string, string> = nullObject({
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
});

/**
 * The value with every object's keys in Go's order (UTF-16 order, which is UTF-8 byte order within
 * the BMP; the output scan catches the rest). Shares every part that needs no change with the input.
 */
function canonical(value: unknown): unknown {
  if (typeof value !== 'object') {
    if (typeof value === 'string' || typeof value === 'boolean') return value;
    if (typeof value === 'number')
      return (value === 0 && 1 / value < 0) || !Number.isFinite(value) ? SLOW : value;
    return SLOW;
  }
  if (value === null) return null;
  if (Array.isArray(value)) return canonicalArray(value as unknown[]);
  if (!isPlainObject(value)) return SLOW;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let inOrder = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const first = key.charCodeAt(0);
    if (first >= 0x30 && first <= 0x39 && INDEX_KEY.test(key)) return SLOW;
    if (first === 0x5f && key === '__proto__') return SLOW;
    if (i > 0 && keys[i - 1]! > key) inOrder = false;
  }
  if (!inOrder) {
    keys.sort();
    // eslint-disable-next-line lifeboat/dictionaries -- no key is __proto__ here (see above), and a plain object keeps JSON.stringify fast
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const v = record[key];
      if (v === undefined) continue;
      const c = canonical(v);
      if (c === SLOW) return SLOW;
      out[key] = c;
    }
    return out;
  }
  // Keys already in order: copy only once a member differs (changed, or undefined and left out).
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const v = record[key];
    const c = v === undefined ? undefined : canonical(v);
    if (c === SLOW) return SLOW;
    if (c !== v && out === undefined) {
      // eslint-disable-next-line lifeboat/dictionaries -- as above: no __proto__ key, and JSON.stringify's fast path
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]!] = record[keys[j]!];
    }
    if (out !== undefined && c !== undefined) out[key] = c;
  }
  return out ?? record;
}

function canonicalArray(value: unknown[]): unknown {
  let out: unknown[] | undefined;
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    const c = canonical(v === undefined ? null : v);
    if (c === SLOW) return SLOW;
    if (c !== v && out === undefined) out = value.slice(0, i);
    if (out !== undefined) out.push(c);
  }
  return out ?? value;
}

export function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
