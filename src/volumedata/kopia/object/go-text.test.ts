import { describe, expect, it } from 'vitest';
import { goQuote, goTime, parseGoTime } from './go-text.ts';

// Expected strings are what Go's encoding/json writes (checked against kopia-oracle in
// test/integration/kopia-object.test.ts for the cases that reach kopia's structs).

describe('goQuote', () => {
  it('escapes as Go does: HTML characters, U+2028/9, control characters', () => {
    expect(goQuote('a<b>&c')).toBe('"a\\u003cb\\u003e\\u0026c"');
    expect(goQuote('\u2028\u2029')).toBe('"\\u2028\\u2029"');
    expect(goQuote('\b\f\n\r\t\u0001\u001f"\\')).toBe('"\\b\\f\\n\\r\\t\\u0001\\u001f\\"\\\\"');
    expect(goQuote('ü😀\u007f')).toBe('"ü😀\u007f"');
  });

  it('writes a lone surrogate as U+FFFD and leaves an escaped backslash alone', () => {
    expect(goQuote('a\ud800b')).toBe('"a\ufffdb"');
    expect(goQuote('\\ud800')).toBe('"\\\\ud800"');
  });
});

describe('goTime', () => {
  it('writes UTC with trimmed nanoseconds', () => {
    expect(goTime(0n)).toBe('"1970-01-01T00:00:00Z"');
    expect(goTime(1_700_000_000_123_456_789n)).toBe('"2023-11-14T22:13:20.123456789Z"');
    expect(goTime(1_700_000_000_100_000_000n)).toBe('"2023-11-14T22:13:20.1Z"');
    expect(goTime(-1n)).toBe('"1969-12-31T23:59:59.999999999Z"');
  });

  it('refuses years Go cannot write', () => {
    expect(() => goTime(300_000_000_000_000_000_000n)).toThrow(RangeError);
  });

  it('parses what it writes, offsets, and refuses malformed times', () => {
    for (const ns of [0n, 1_700_000_000_123_456_789n, -1n, 1n]) {
      expect(parseGoTime(JSON.parse(goTime(ns)) as string)).toBe(ns);
    }
    expect(parseGoTime('2020-01-01T01:00:00.5+01:00')).toBe(1_577_836_800_500_000_000n);
    expect(parseGoTime('0001-01-01T00:00:00Z')).toBe(-62_135_596_800_000_000_000n);
    for (const bad of [
      '',
      '2020-13-01T00:00:00Z',
      '2020-02-30T00:00:00Z',
      '2020-01-01 00:00:00Z',
      '2020-01-01T00:00:00',
    ]) {
      expect(parseGoTime(bad), bad).toBeNull();
    }
  });
});
