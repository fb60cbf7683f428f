import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Glob, globListProblem, InvalidGlobError, MAX_GLOB_LENGTH, MAX_GLOB_LIST_LENGTH } from './glob.ts';

const SEED = 20261206;

describe('Glob (gobwas/glob syntax, as Velero uses)', () => {
  it.each([
    ['app-*', 'app-frontend', true],
    ['app-*', 'web-app', false],
    ['team-?', 'team-a', true],
    ['team-?', 'team-ab', false],
    ['ns-[0-9]', 'ns-7', true],
    ['ns-[!0-9]', 'ns-7', false],
    ['{prod,staging}-db', 'staging-db', true],
    ['{prod,staging}-db', 'dev-db', false],
    ['kube.system', 'kube-system', false],
  ])('%s matches %s: %s', (pattern, value, expected) => {
    expect(new Glob(pattern).matches(value)).toBe(expected);
  });

  // Each expectation was checked against gobwas/glob v0.2.3 (glob.Compile(pattern).Match(text)).
  it.each([
    ['{a*,b}x', 'abcx', true], // alternatives are patterns
    ['{a,{b,c}}', 'c', true], // and nest
    ['{a,b}}', 'a}', true], // } outside alternatives is a character
    ['a,b', 'a,b', true],
    ['a]', 'a]', true],
    ['\\*', '*', true], // \ escapes
    ['\\*', 'a', false],
    ['{a\\,b}', 'a,b', true],
    ['x\\', 'x', true], // a trailing \ is dropped
    ['[ab-c]', '-', true], // a list: - is a character unless it follows the first one
    ['[ab-c]', 'b', true],
    ['[\\]a]', ']', true],
    ['[\\a-z]', 'b', false], // the list \a - z
    ['[--/]', '.', true], // the range - to /
    ['[!!]', 'a', true],
    ['[!-a]', 'b', true],
    ['[*]', '*', true],
    ['[{]', '{', true],
    ['**', 'a/b', true], // no separators: ** is *
    ['*', 'a\nb', true],
    ['?', 'é', true], // one character, not one byte
    ['?', '😀', true],
    ['[é-ü]', 'ë', true],
    ['a{b,c}d{e,f}', 'acdf', true],
    ['{a,}x', 'x', true],
    ['*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(40), false],
    // gobwas/glob's own bugs are not copied: its prefix-suffix matcher lets a*a match "a".
    ['a*a', 'a', false],
  ])('%s matches %s: %s', (pattern, value, expected) => {
    expect(new Glob(pattern).matches(value)).toBe(expected);
  });

  it.each([
    ['[z-a]', /range z-a is reversed/],
    ['[a', /'\[' at position 1 is not closed/],
    ['ns-[a-', /'\[' at position 4 is not closed/],
    ['[]', /class at position 1 is empty/],
    ['[!]', /is empty/],
    ['[a-z0-9]', /more than one range/],
    ['[a-]]', /reversed/],
    ['{a,b', /'\{' at position 1 is not closed/],
    ['a\0b', /NUL/],
    ['\ud800', /malformed/],
    ['a'.repeat(MAX_GLOB_LENGTH + 1), /at most 1024/],
  ])('refuses %j', (pattern, message) => {
    const err = catchError(() => new Glob(pattern));
    expect(err).toBeInstanceOf(InvalidGlobError);
    expect((err as InvalidGlobError).message).toMatch(message);
    expect((err as InvalidGlobError).code).toBe('USAGE');
  });

  it('bounds a list of patterns in all', () => {
    expect(globListProblem(['a*', 'b?'])).toBeUndefined();
    expect(globListProblem(['a', '[z-a]'])).toMatch(/reversed/);
    const many = Array.from({ length: MAX_GLOB_LIST_LENGTH / 64 + 1 }, () => 'x'.repeat(64));
    expect(globListProblem(many)).toMatch(/more than 16384 characters/);
  });

  it('reports plain names as literals, without their escapes', () => {
    expect(new Glob('kube-system').literal).toBe('kube-system');
    expect(new Glob('a\\*b').literal).toBe('a*b');
    expect(new Glob('a*').literal).toBeUndefined();
  });
});

/** The matcher this one replaced (a RegExp per pattern), the reference on the syntax both read alike. */
function legacyGlobToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      out += `[${body}]`;
      i = end;
    } else if (c === '{') {
      const end = pattern.indexOf('}', i + 1);
      out += `(?:${pattern
        .slice(i + 1, end)
        .split(',')
        .map((alt) => alt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|')})`;
      i = end;
    } else out += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

const letter = fc.constantFrom('a', 'b', 'c', '-', '.');
const word = fc.string({ unit: letter, minLength: 1, maxLength: 3 });
/** Patterns both matchers read alike: names, *, ?, one list or one range per class, literal alternatives. */
const commonToken = fc.oneof(
  word,
  fc.constantFrom('*', '?'),
  fc
    .tuple(fc.boolean(), fc.string({ unit: fc.constantFrom('a', 'b', 'c'), minLength: 1, maxLength: 3 }))
    .map(([not, list]) => `[${not ? '!' : ''}${list}]`),
  fc
    .tuple(fc.boolean(), fc.constantFrom('a-b', 'a-c', 'b-c', '.-a'))
    .map(([not, range]) => `[${not ? '!' : ''}${range}]`),
  fc.array(word, { minLength: 1, maxLength: 3 }).map((alts) => `{${alts.join(',')}}`),
);
const commonPattern = fc.array(commonToken, { maxLength: 6 }).map((t) => t.join(''));
const name = fc.string({ unit: letter, maxLength: 10 });

/** Any well-formed pattern, alternatives nested and holding wildcards. */
const { pattern: anyPattern } = fc.letrec<{ pattern: string; token: string }>((tie) => ({
  pattern: fc.array(tie('token'), { maxLength: 5 }).map((t) => t.join('')),
  token: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    word,
    fc.constantFrom('*', '**', '?', '[a-b]', '[!c]', '[ab.]', '\\*'),
    fc.array(tie('pattern'), { minLength: 1, maxLength: 3 }).map((alts) => `{${alts.join(',')}}`),
  ),
}));

describe('Glob, property-based', () => {
  it('matches exactly as the RegExp matcher it replaced, on the syntax both read alike', () => {
    fc.assert(
      fc.property(commonPattern, fc.array(name, { minLength: 1, maxLength: 8 }), (pattern, names) => {
        const glob = new Glob(pattern);
        const reference = legacyGlobToRegExp(pattern);
        for (const n of names) expect(glob.matches(n)).toBe(reference.test(n));
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('reads any string as a pattern or refuses it with a usage error, never anything else', () => {
    const unit = fc.constantFrom('a', '*', '?', '[', ']', '{', '}', ',', '!', '-', '\\', '\0', 'é');
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit, maxLength: 40 }), fc.string({ maxLength: 40 })),
        name,
        (p, n) => {
          try {
            expect(typeof new Glob(p).matches(n)).toBe('boolean');
          } catch (err) {
            expect(err).toBeInstanceOf(InvalidGlobError);
          }
        },
      ),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('never visits more than size × (length + 1) states, on names up to 10 KB', () => {
    const long = fc.tuple(fc.constantFrom('a', 'ab', 'abc.', '-'), fc.integer({ min: 1, max: 10_000 }));
    fc.assert(
      fc.property(anyPattern, long, (pattern, [unit, length]) => {
        const glob = new Glob(pattern);
        const text = unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
        expect(glob.visits(text)).toBeLessThanOrEqual(glob.size * (text.length + 1));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('runs adversarial patterns on 10 KB names within the same bound', () => {
    const text = 'a'.repeat(10_000);
    for (const pattern of [
      '*a*a*a*a*a*a*a*a*a*a*b',
      `${'*a'.repeat(100)}*b`,
      `${'{a,a*}'.repeat(50)}b`,
      `${'{'.repeat(200)}*a${'}'.repeat(200)}b`,
      `${'?'.repeat(1000)}b`,
    ]) {
      const glob = new Glob(pattern);
      const started = performance.now();
      expect(glob.matches(text)).toBe(false);
      // A guard against a hang, not a performance target.
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(glob.visits(text)).toBeLessThanOrEqual(glob.size * (text.length + 1));
    }
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}
