/** Parsing JSON as Kubernetes' unstructured decoder does (int64 integers stay exact). */

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
