import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import { formatLabelSelector, matchesLabelSelector, parseLabelSelector } from './label-selector.ts';

const SEED = 20261206;

function parsesOrRefuses(text: string): void {
  try {
    parseLabelSelector(text);
  } catch (err) {
    expect(err).toBeInstanceOf(LifeboatError);
    expect((err as LifeboatError).code).toBe('USAGE');
  }
}

const name = fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,8}[A-Za-z0-9])?$/);
const key = fc
  .tuple(fc.option(fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,8}[a-z0-9])?$/)), name)
  .map(([prefix, n]) => (prefix === null ? n : `${prefix}/${n}`));
const value = fc.oneof(fc.constant(''), name);
const space = fc.constantFrom('', ' ', '  ');
const requirement = fc.oneof(
  fc
    .tuple(key, fc.constantFrom('=', '==', '!='), value, space)
    .map(([k, op, v, s]) => `${k}${s}${op}${s}${v}`),
  fc
    .tuple(key, fc.constantFrom('in', 'notin'), fc.array(name, { minLength: 1, maxLength: 3 }), space)
    .map(([k, op, vs, s]) => `${k} ${op}${s}(${vs.join(`,${s}`)})`),
  fc.tuple(fc.constantFrom('', '!'), key).map(([not, k]) => `${not}${k}`),
);
const selector = fc.array(requirement, { minLength: 1, maxLength: 5 }).map((r) => r.join(','));
const selectorUnit = fc.constantFrom(...'ab=!,() /.-_\tinot'.split(''), ' in ', ' notin ', '__proto__');

describe('label selectors, property-based', () => {
  it('parse any text to a selector or refuse it with a usage error, never anything else', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: selectorUnit, maxLength: 40 }), fc.string({ maxLength: 80 })),
        (t) => parsesOrRefuses(t),
      ),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('read back what they format: parse(format(parse(s))) equals parse(s)', () => {
    fc.assert(
      fc.property(selector, (text) => {
        const parsed = parseLabelSelector(text);
        expect(parseLabelSelector(formatLabelSelector(parsed))).toEqual(parsed);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('match a label set the same way before and after the round trip', () => {
    const labels = fc.dictionary(key, value, { maxKeys: 4 });
    fc.assert(
      fc.property(selector, labels, (text, set) => {
        const parsed = parseLabelSelector(text);
        const again = parseLabelSelector(formatLabelSelector(parsed));
        expect(matchesLabelSelector(again, set)).toBe(matchesLabelSelector(parsed, set));
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('parse adversarial 20 KB selectors without backtracking (a hang guard, not a benchmark)', () => {
    const n = 20_000;
    for (const text of [
      `a${'-'.repeat(n)}!`,
      `a${'.'.repeat(n)} = b${'-'.repeat(n)}!`,
      `a in (${'b,'.repeat(n)}!`,
      `!${' '.repeat(n)}a${'-'.repeat(n)}`,
      `a ${' '.repeat(n)}in${' '.repeat(n)}(b${' '.repeat(n)}`,
      `${'a'.repeat(n)}/`.repeat(3),
    ]) {
      const started = performance.now();
      parsesOrRefuses(text);
      expect(performance.now() - started).toBeLessThan(2_000);
    }
  });
});
