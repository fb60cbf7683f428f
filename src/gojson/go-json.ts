import { nullObject } from '../model/index.ts';

/**
 * JSON exactly as Go's encoding/json (Go 1.22+, the toolchain Velero is built with) writes it, so the
 * bytes lifeboat stores match what Velero stores (spec/velero-format.md §1.2, §2.3, §3.1).
 *
 * - goMarshal: json.Marshal of map[string]interface{} — compact, map keys sorted bytewise (UTF-8).
 * - goEncodeLine: json.NewEncoder(w).Encode — goMarshal plus "\n" (the .json.gz sidecars).
 * - goMarshalIndent: json.MarshalIndent(v, "", "  ") — plain objects keep their insertion order
 *   (callers build them in Go struct order); Map values are Go maps and are printed sorted.
 * - parseJsonExact: JSON.parse that keeps int64 values exact (RawNumber) like Kubernetes'
 *   unstructured decoding, which turns integers into int64 and everything else into float64.
 */

/** A JSON number kept as its literal text (an int64 outside JavaScript's safe integer range). */
export class RawNumber {
  readonly raw: string;

  constructor(raw: string) {
    if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) {
      throw new TypeError(`not a JSON number: ${JSON.stringify(raw)}`);
    }
    this.raw = raw;
  }

  /** Lets JSON.stringify print the literal verbatim too. */
  toJSON(): unknown {
    return (JSON as JSON & { rawJSON(text: string): unknown }).rawJSON(this.raw);
  }

  toString(): string {
    return this.raw;
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Parses JSON the way Kubernetes' unstructured decoder does: an integer literal that fits int64 stays
 * exact (a number when safe, else a RawNumber); any other number is a float64. Go then prints an
 * out-of-int64 integer as a float (12345678901234567890 → 12345678901234567000), and so does goMarshal.
 */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(text, (_key: string, value: unknown, context?: { source?: string }) => {
    if (typeof value !== 'number' || context?.source === undefined) return value;
    const source = context.source;
    if (!/^-?\d+$/.test(source)) return value;
    if (Number.isSafeInteger(value)) return value === 0 ? 0 : value;
    const big = BigInt(source);
    return big >= INT64_MIN && big <= INT64_MAX ? new RawNumber(big.toString()) : value;
  }) as unknown;
}

/**
 * A long run of digits can be an integer beyond 2^53, and `-0` is an integer Go reads as 0: only
 * texts with either (anywhere, strings included) need the exact parser.
 */
const NEEDS_EXACT = /[:[,]\s*-?\d{16,}|[:[,]\s*-0(?![\d.eE])/;

/** parseJsonExact's result, at JSON.parse's speed for the texts that cannot differ. */
export function parseJson(text: string): unknown {
  return NEEDS_EXACT.test(text) ? parseJsonExact(text) : (JSON.parse(text) as unknown);
}

/** A Go map built from a record: printed with its keys sorted by every encoder here. */
export function sortedMap<V>(record: Record<string, V> | Map<string, V>): Map<string, V> {
  const entries = record instanceof Map ? [...record.entries()] : Object.entries(record);
  return new Map(entries.sort(([a], [b]) => compareGoStrings(a, b)));
}

/** Go's strings.Compare on the UTF-8 encodings of a and b (code point order, not UTF-16 order). */
export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Surrogates encode code points above U+FFFF: move them above U+E000..U+FFFF.
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function goMarshal(value: unknown): string {
  let fast: string | undefined;
  try {
    fast = fastMarshal(value);
  } catch (err) {
    // Nested deeper than the fast path's recursion (and JSON.stringify) can go: the exact encoder.
    if (!(err instanceof RangeError)) throw err;
  }
  return fast ?? compact(value);
}

/** The exact encoder alone (the reference the fast path is tested against). */
export function goMarshalExact(value: unknown): string {
  return compact(value);
}

export function goEncodeLine(value: unknown): string {
  return goMarshal(value) + '\n';
}

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
function fastMarshal(value: unknown): string | undefined {
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

export function goMarshalIndent(value: unknown): string {
  return indented(value, '');
}

// Go escapes control characters, so the pattern must match them.
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\u0000-\u001f"\\<>&\u2028\u2029\ud800-\udfff]/;
const SHORT_ESCAPES: Record<number, string> = {
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0c: '\\f',
  0x0d: '\\r',
  0x22: '\\"',
  0x5c: '\\\\',
};

/** Go's appendString with escapeHTML: invalid UTF-16 (lone surrogates) becomes U+FFFD like Go's decoder. */
export function goQuote(input: string): string {
  if (!NEEDS_ESCAPE.test(input)) return `"${input}"`;
  const s = input.isWellFormed() ? input : input.toWellFormed();
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let escaped: string | undefined;
    if (c < 0x20 || c === 0x22 || c === 0x5c) {
      escaped = SHORT_ESCAPES[c] ?? `\\u00${c.toString(16).padStart(2, '0')}`;
    } else if (c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
      escaped = `\\u${c.toString(16).padStart(4, '0')}`;
    }
    if (escaped === undefined) continue;
    out += s.slice(start, i) + escaped;
    start = i + 1;
  }
  return out + s.slice(start) + '"';
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`json: unsupported value: ${n}`);
  // ECMAScript's Number::toString is Go's float format: shortest digits, exponent below 1e-6 and from
  // 1e21 on, exponent without leading zeros ("1e-7", "1e+21"). Only the sign of zero differs.
  return Object.is(n, -0) ? '-0' : String(n);
}

function scalar(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return goQuote(value);
    case 'number':
      return formatNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    default:
      return value instanceof RawNumber ? value.raw : undefined;
  }
}

type Entries = [string, unknown][];

/** The members of an object-like value in output order, or undefined for non-objects. */
function members(value: unknown, sorted: boolean): Entries | undefined {
  let entries: Entries;
  if (value instanceof Map) {
    entries = [...(value as Map<unknown, unknown>).entries()].map(([k, v]) => {
      if (typeof k !== 'string') throw new TypeError(`json: unsupported map key type ${typeof k}`);
      return [k.isWellFormed() ? k : k.toWellFormed(), v];
    });
    sorted = true;
  } else if (typeof value === 'object' && value !== null && isPlainObject(value)) {
    entries = Object.entries(value);
  } else {
    return undefined;
  }
  entries = entries.filter(([, v]) => v !== undefined);
  return sorted ? entries.sort(([a], [b]) => compareGoStrings(a, b)) : entries;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function unsupported(value: unknown): TypeError {
  const what = typeof value === 'object' ? (value?.constructor?.name ?? 'object') : typeof value;
  return new TypeError(`json: unsupported type: ${what}`);
}

/**
 * The exact encoder, with a stack of its own instead of recursion: the API server accepts objects
 * nested ~10,000 levels deep, more than JavaScript's call stack (or JSON.stringify) allows.
 */
function compact(value: unknown): string {
  const out: string[] = [];
  // Containers being written: their members (keys for objects) and the next one to write.
  const stack: { values: unknown[]; keys: string[] | undefined; next: number }[] = [];
  let current: unknown = value;
  for (;;) {
    const s = scalar(current);
    if (s !== undefined) {
      out.push(s);
    } else if (Array.isArray(current)) {
      out.push('[');
      stack.push({
        values: current.map((item: unknown) => (item === undefined ? null : item)),
        keys: undefined,
        next: 0,
      });
    } else {
      const entries = members(current, true);
      if (entries === undefined) throw unsupported(current);
      out.push('{');
      stack.push({ values: entries.map(([, v]) => v), keys: entries.map(([k]) => k), next: 0 });
    }
    // The next value to write: the next member of the innermost unfinished container.
    for (;;) {
      const top = stack.at(-1);
      if (top === undefined) return out.join('');
      if (top.next < top.values.length) {
        if (top.next > 0) out.push(',');
        if (top.keys !== undefined) out.push(goQuote(top.keys[top.next]!), ':');
        current = top.values[top.next++];
        break;
      }
      out.push(top.keys === undefined ? ']' : '}');
      stack.pop();
    }
  }
}

function indented(value: unknown, pad: string): string {
  const s = scalar(value);
  if (s !== undefined) return s;
  const inner = pad + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((item: unknown) => inner + (item === undefined ? 'null' : indented(item, inner)));
    return '[\n' + items.join(',\n') + '\n' + pad + ']';
  }
  const entries = members(value, false);
  if (entries === undefined) throw unsupported(value);
  if (entries.length === 0) return '{}';
  const lines = entries.map(([k, v]) => inner + goQuote(k) + ': ' + indented(v, inner));
  return '{\n' + lines.join(',\n') + '\n' + pad + '}';
}
