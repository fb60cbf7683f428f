/**
 * The pieces of Go's encoding/json that kopia's object-layer JSON is made of, written byte for
 * byte as Go writes them: strings (HTML-safe escaping, U+2028/9, a lone surrogate as U+FFFD) and
 * time.Time in UTC (RFC 3339 with nanoseconds, trailing zeros trimmed). Struct fields are written
 * by hand in kopia's field order by the encoders that use these.
 */

const NS_PER_SECOND = 1_000_000_000n;
/** A JSON-escaped backslash (kept), or a lone surrogate JSON.stringify escaped (→ U+FFFD). */
const ESCAPED_SURROGATE = /\\\\|\\ud[89a-f][0-9a-f]{2}/g;
const HTML_UNSAFE = /[<>&\u2028\u2029]/g;
const HTML_ESCAPES = new Map([
  ['<', '\\u003c'],
  ['>', '\\u003e'],
  ['&', '\\u0026'],
  ['\u2028', '\\u2028'],
  ['\u2029', '\\u2029'],
]);

/** Nothing in it that Go or JSON.stringify would escape or that differs between them. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be found
const PLAIN = /^[^"\\<>&\u0000-\u001f\u2028\u2029\ud800-\udfff]*$/;

/** A string as Go's json.Marshal writes it (with its default HTML escaping). */
export function goQuote(text: string): string {
  if (PLAIN.test(text)) return `"${text}"`;
  let out = JSON.stringify(text);
  if (out.includes('\\ud')) {
    out = out.replace(ESCAPED_SURROGATE, (m) => (m === '\\\\' ? m : '\ufffd'));
  }
  return out.replace(HTML_UNSAFE, (c) => HTML_ESCAPES.get(c) ?? c);
}

/** A 64-bit integer field (an int64/uint32 Go writes as a plain number). */
export function goInt(value: number | bigint): string {
  return typeof value === 'bigint' ? value.toString() : String(Math.trunc(value));
}

/**
 * Nanoseconds since the Unix epoch as Go's time.Time.MarshalJSON writes it in UTC, quoted:
 * `"2024-05-01T10:20:30.1234Z"`. Go refuses years outside 0…9999; so does this (RangeError).
 */
export function goTime(unixNanos: bigint): string {
  let seconds = unixNanos / NS_PER_SECOND;
  let nanos = unixNanos % NS_PER_SECOND;
  if (nanos < 0n) {
    nanos += NS_PER_SECOND;
    seconds -= 1n;
  }
  const date = new Date(Number(seconds) * 1000);
  const year = date.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) throw new RangeError(`time ${unixNanos}ns is outside years 0…9999`);
  const fraction = nanos === 0n ? '' : `.${nanos.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `"${date.toISOString().slice(0, 19)}${fraction}Z"`;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses a time as Go's time.Time.UnmarshalJSON accepts what kopia writes (RFC 3339, up to
 * nanoseconds, Z or an offset) into nanoseconds since the Unix epoch; null when malformed.
 */
export function parseGoTime(text: string): bigint | null {
  const m = RFC3339.exec(text);
  if (m === null) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const utcMs = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(utcMs);
  // Date.UTC maps years 0…99 to 1900…1999; set the year explicitly.
  check.setUTCFullYear(year, month - 1, day);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return null;
  let seconds = BigInt(Math.round(check.getTime() / 1000));
  if (m[8] !== undefined) {
    const offset = (Number(m[9]) * 60 + Number(m[10])) * 60;
    if (Number(m[9]) > 23 || Number(m[10]) > 59) return null;
    seconds += BigInt(m[8] === '+' ? -offset : offset);
  }
  const nanos = BigInt((m[7] ?? '').padEnd(9, '0') || '0');
  return seconds * NS_PER_SECOND + nanos;
}
