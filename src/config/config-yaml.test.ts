import fc from 'fast-check';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import { loadConfig, parseConfig, type ConfigFile } from './config-file.ts';
import { MAX_CONFIG_BYTES, yamlDepthProblem } from './config-yaml.ts';

const SEED = 20261206;
const HEAD = 'apiVersion: lifeboat.io/v1alpha1\nkind: Config\n';

function configError(text: string): LifeboatError {
  try {
    parseConfig(text, '/etc/lifeboat.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(LifeboatError);
    expect((err as LifeboatError).code).toBe('CONFIG');
    return err as LifeboatError;
  }
  throw new Error('expected a CONFIG error');
}

describe('hostile config files', () => {
  it('refuses an alias bomb (billion laughs) with a CONFIG error', () => {
    const lines = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 10; i++) {
      const [p, n] = ['abcdefghij'[i - 1]!, 'abcdefghij'[i]!];
      lines.push(`${n}: &${n} [${Array(9).fill(`*${p}`).join(', ')}]`);
    }
    expect(configError(lines.join('\n')).message).toMatch(/alias/i);
  });

  it.each([
    [`${HEAD}__proto__: {polluted: true}\n`, '__proto__'],
    [
      `${HEAD}locations:\n  - name: a\n    provider: aws\n    objectStorage: {bucket: b}\n    config: {__proto__: x}\n`,
      'locations.0.config.__proto__',
    ],
    [
      `${HEAD}schedules:\n  - name: a\n    schedule: "@daily"\n    template: {labels: {__proto__: x}}\n`,
      'schedules.0.template.labels.__proto__',
    ],
  ])('refuses a __proto__ key instead of dropping it (%#)', (text, path) => {
    const err = configError(text);
    expect(err.message).toContain(`${path}: the key __proto__ is not allowed`);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it.each([
    ['flow', `a: ${'['.repeat(200_000)}${']'.repeat(200_000)}`, /more than 64 levels/],
    [
      'block',
      Array.from({ length: 400 }, (_, i) => `${' '.repeat(i)}k:`).join('\n'),
      /more than 256 columns/,
    ],
    ['compact', `${'- '.repeat(100_000)}x`, /more than 256 columns/],
  ])('refuses %s nesting at once, before the parser recurses', (_kind, text, message) => {
    const started = performance.now();
    expect(configError(text).message).toMatch(message);
    expect(performance.now() - started).toBeLessThan(2_000); // a hang guard: the parser took ~10 s
  });

  it('refuses a file over 1 MiB unread, and a device', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-config-yaml-'));
    try {
      const big = join(dir, 'big.yaml');
      await writeFile(big, `${HEAD}# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`);
      await expect(loadConfig(big)).rejects.toMatchObject({ code: 'CONFIG', message: /larger than/ });
      const device = join(dir, 'zero.yaml');
      await symlink('/dev/zero', device);
      await expect(loadConfig(device)).rejects.toMatchObject({ code: 'CONFIG', message: /larger than/ });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a schedule template with a bad namespace pattern, naming the field', () => {
    const err = configError(
      `${HEAD}schedules:\n  - name: a\n    schedule: "@daily"\n    template: {includedNamespaces: ["app-*", "[z-a]"]}\n`,
    );
    expect(err.message).toMatch(/schedules\.0\.template\.includedNamespaces: .*reversed/);
  });
});

const yamlUnit = fc.constantFrom(
  ...'ab: -?[]{},&*!|>\'"#%@`\n \t\\0x_'.split(''),
  'apiVersion: lifeboat.io/v1alpha1\n',
  'kind: Config\n',
  'locations:\n',
  '  - ',
  '&a ',
  '*a',
  '__proto__',
  '<<: ',
);

describe('config parsing, property-based', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lifeboat-config-prop-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('turns any text into a config or a CONFIG error, never a crash', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: yamlUnit, maxLength: 60 }), fc.string({ maxLength: 200 })),
        (text) => {
          try {
            parseConfig(text, '/c.yaml');
          } catch (err) {
            expect(err).toBeInstanceOf(LifeboatError);
            expect((err as LifeboatError).code).toBe('CONFIG');
          }
        },
      ),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('turns any YAML data into a config or a CONFIG error, and leaves Object.prototype alone', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 4 }),
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })),
        (a, b) => {
          for (const data of [a, { apiVersion: 'lifeboat.io/v1alpha1', kind: 'Config', ...b }]) {
            try {
              parseConfig(stringify(data), '/c.yaml');
            } catch (err) {
              expect((err as LifeboatError).code).toBe('CONFIG');
            }
          }
          expect(Object.keys(Object.prototype)).toEqual([]);
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  const dnsLabel = fc.stringMatching(/^[a-z]([-a-z0-9]{0,10}[a-z0-9])?$/);
  const text = fc.string({ unit: fc.constantFrom(...'ab[]{}\'"#: -,'.split('')), maxLength: 20 });
  const location = fc.record({
    name: dnsLabel,
    provider: fc.constantFrom('aws' as const, 'azure' as const),
    objectStorage: fc.record({ bucket: dnsLabel, prefix: text }),
    config: fc.dictionary(dnsLabel, text, { maxKeys: 3 }),
    default: fc.boolean(),
    accessMode: fc.constantFrom('ReadWrite' as const, 'ReadOnly' as const),
  });

  it('reads back every config it writes, whatever brackets, quotes and hashes its strings hold', () => {
    fc.assert(
      fc.property(fc.uniqueArray(location, { selector: (l) => l.name, maxLength: 4 }), (locations) => {
        const config: ConfigFile = { apiVersion: 'lifeboat.io/v1alpha1', kind: 'Config', locations };
        const written = stringify(config);
        expect(yamlDepthProblem(written)).toBeUndefined();
        expect(parseConfig(written, '/c.yaml')).toEqual(config);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
