import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatGoDurationNs, InvalidDurationError, parseDurationNs } from './go-duration.ts';

const SEED = 20261206;
const MAX_NS = 2n ** 63n - 1n;

describe('Go durations, property-based', () => {
  it('parse any text to a non-negative duration or refuse it with InvalidDurationError', () => {
    const unit = fc.constantFrom(...'0123456789.hmsuµμn+-d '.split(''), 'ms', 'us', 'ns');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit, maxLength: 30 }), fc.string({ maxLength: 40 })), (text) => {
        try {
          const ns = parseDurationNs(text);
          expect(ns >= 0n && ns <= MAX_NS).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidDurationError);
          expect((err as InvalidDurationError).code).toBe('USAGE');
        }
      }),
      { seed: SEED, numRuns: 5000 },
    );
  });

  it('read back what time.Duration.String() writes, over the whole range', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_NS }), (ns) => {
        expect(parseDurationNs(formatGoDurationNs(ns))).toBe(ns);
      }),
      { seed: SEED, numRuns: 5000 },
    );
  });

  it('add up the parts of a sum of units', () => {
    const part = fc.tuple(
      fc.integer({ min: 0, max: 10_000 }),
      fc.constantFrom(
        ['h', 3_600_000_000_000n],
        ['m', 60_000_000_000n],
        ['s', 1_000_000_000n],
        ['ms', 1_000_000n],
        ['us', 1_000n],
        ['ns', 1n],
      ),
    );
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 6 }), (parts) => {
        const text = parts.map(([n, [u]]) => `${n}${u}`).join('');
        const sum = parts.reduce((s, [n, [, scale]]) => s + BigInt(n) * scale, 0n);
        expect(parseDurationNs(text)).toBe(sum);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('refuse or read long hostile texts at once (a hang guard, not a benchmark)', () => {
    for (const text of [
      '0h'.repeat(100_000),
      `${'1'.repeat(100_000)}h`,
      `0.${'1'.repeat(100_000)}s`,
      `${'9'.repeat(30)}h`,
    ]) {
      const started = performance.now();
      try {
        parseDurationNs(text);
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidDurationError);
      }
      expect(performance.now() - started).toBeLessThan(2_000);
    }
  });
});
