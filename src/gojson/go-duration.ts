import { nullObject } from '../model/index.ts';

/** Go's time text: time.Duration (ParseDuration, Duration.String(), metav1.Duration JSON) and metav1.Time. */

/**
 * A duration the operator typed is not Go syntax. gojson/ is a leaf and cannot throw LifeboatError:
 * callers turn this into LifeboatError('USAGE', message, { hint }) (code and hint are ready for it).
 */
export class InvalidDurationError extends Error {
  readonly code = 'USAGE';
  readonly hint =
    'Use Go duration syntax with the units h, m, s, ms, e.g. 720h, 1h30m or 90s (a day is 24h).';

  constructor(message: string) {
    super(message);
    this.name = 'InvalidDurationError';
  }
}

const UNIT_NS: Record<string, bigint> = nullObject({
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
});
const MAX_NS = 2n ** 63n - 1n;

/** time.ParseDuration with Go's optional sign: `-5s` is negative (a hook's "no limit" in Velero). */
export function parseSignedDurationNs(text: string, what = 'duration'): bigint {
  if (!text.startsWith('-')) return parseDurationNs(text, what);
  const rest = text.slice(1);
  if (rest.startsWith('+') || rest.startsWith('-'))
    throw new InvalidDurationError(`invalid ${what} ${JSON.stringify(text)}: a duration has one sign`);
  return -parseDurationNs(rest, what);
}

/**
 * time.ParseDuration for non-negative durations (`720h`, `1h30m`, `720h0m0s`, `1.5s`, `0`), in
 * nanoseconds. Days are not Go syntax: `7d` is refused. Throws InvalidDurationError.
 */
export function parseDurationNs(text: string, what = 'duration'): bigint {
  const fail = (why: string): never => {
    throw new InvalidDurationError(`invalid ${what} ${JSON.stringify(text)}: ${why}`);
  };
  let rest = text.startsWith('+') ? text.slice(1) : text;
  if (rest.startsWith('-')) fail('durations cannot be negative');
  if (rest === '0') return 0n;
  if (rest === '') fail('it is empty');
  let total = 0n;
  while (rest !== '') {
    const m = /^(\d*)(?:\.(\d*))?([^\d.]+)/.exec(rest);
    if (!m || (m[1] === '' && (m[2] ?? '') === '')) return fail('expected a number followed by a unit');
    const [token, whole = '', frac = '', unitText = ''] = m;
    const unit = UNIT_NS[unitText];
    if (unit === undefined) {
      return fail(unitText === 'd' ? 'days are not supported' : `unknown unit ${JSON.stringify(unitText)}`);
    }
    const scale = 10n ** BigInt(frac.length);
    total += BigInt(whole || '0') * unit + (BigInt(frac || '0') * unit) / scale;
    if (total > MAX_NS) fail('it is too large');
    rest = rest.slice(token.length);
  }
  return total;
}

/** parseDurationNs in milliseconds (what timers and Date arithmetic use). */
export function parseDuration(text: string, what = 'duration'): number {
  return Number(parseDurationNs(text, what)) / 1e6;
}

/** time.Duration.String() of a duration in milliseconds: `720h0m0s`, `10m0s`, `1.5s`, `0s`, `500ms`. */
export function formatGoDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new TypeError(`not a duration: ${ms}`);
  return formatGoDurationNs(BigInt(Math.round(ms * 1e6)));
}

export function formatGoDurationNs(ns: bigint): string {
  const sign = ns < 0n ? '-' : '';
  let u = ns < 0n ? -ns : ns;
  if (u === 0n) return '0s';
  if (u < 1_000_000_000n) {
    const [digits, unit] = u < 1_000n ? [0, 'ns'] : u < 1_000_000n ? [3, 'µs'] : [6, 'ms'];
    return sign + fraction(u, digits) + unit;
  }
  const seconds = fraction(u % 60_000_000_000n, 9) + 's';
  u /= 60_000_000_000n; // whole minutes
  if (u === 0n) return sign + seconds;
  const minutes = `${u % 60n}m`;
  u /= 60n; // whole hours
  return sign + (u === 0n ? '' : `${u}h`) + minutes + seconds;
}

/** v / 10^digits with the fraction's trailing zeros dropped (Go's fmtFrac + fmtInt). */
function fraction(v: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const whole = (v / scale).toString();
  const frac = (v % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return frac === '' ? whole : `${whole}.${frac}`;
}

/** metav1.Time JSON: RFC 3339 in UTC, whole seconds. */
export function goTime(date: Date | undefined): string | undefined {
  if (date === undefined) return undefined;
  if (Number.isNaN(date.getTime())) throw new TypeError('invalid date');
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
