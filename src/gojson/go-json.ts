import { fastMarshal, isPlainObject } from './fast-marshal.ts';
import { compareGoStrings } from './go-order.ts';
import { RawNumber } from './parse-json.ts';

/**
 * JSON exactly as Go's encoding/json (Go 1.22+, the toolchain Velero is built with) writes it, so the
 * bytes lifeboat stores match what Velero stores (spec/velero-format.md §1.2, §2.3, §3.1).
 *
 * - goMarshal: json.Marshal of map[string]interface{} — compact, map keys sorted bytewise (UTF-8).
 * - goEncodeLine: json.NewEncoder(w).Encode — goMarshal plus "\n" (the .json.gz sidecars).
 * - goMarshalIndent: json.MarshalIndent(v, "", "  ") — plain objects keep their insertion order
 *   (callers build them in Go struct order); Map values are Go maps and are printed sorted.
 * - parseJsonExact (parse-json.ts): JSON.parse that keeps int64 values exact (RawNumber) like Kubernetes'
 *   unstructured decoding, which turns integers into int64 and everything else into float64.
 * - compareGoStrings, sortedMap (go-order.ts): Go's order of map keys.
 */

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
