import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import type { Location } from '../model/index.ts';
import {
  addLocation,
  configFilePath,
  embeddedDefaultLocation,
  loadConfig,
  parseConfig,
  removeLocation,
  resolveLocation,
  saveConfig,
} from './config-file.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const loc = (name: string, extra: Partial<Location> = {}): Location => ({
  name,
  provider: 'aws',
  objectStorage: { bucket: `bucket-${name}` },
  config: {},
  default: false,
  accessMode: 'ReadWrite',
  ...extra,
});

describe('config file location', () => {
  it('prefers --config, then $LIFEBOAT_CONFIG, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(configFilePath('/a/b.yaml', { LIFEBOAT_CONFIG: '/c.yaml' })).toBe('/a/b.yaml');
    expect(configFilePath(undefined, { LIFEBOAT_CONFIG: '/c.yaml' })).toBe('/c.yaml');
    expect(configFilePath(undefined, { XDG_CONFIG_HOME: '/xdg' })).toBe('/xdg/lifeboat/config.yaml');
    expect(configFilePath(undefined, {})).toMatch(/\.config\/lifeboat\/config\.yaml$/);
  });
});

describe('load and save', () => {
  it('loads a missing file as an empty config and saves atomically with mode 0600', async () => {
    const path = join(dir, 'sub', 'config.yaml');
    const config = await loadConfig(path);
    expect(config.locations).toEqual([]);
    await saveConfig(addLocation(config, loc('s3', { default: true })));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const again = await loadConfig(path);
    expect(again.locations.map((l) => l.name)).toEqual(['s3']);
    expect(await readFile(path, 'utf8')).toContain('apiVersion: lifeboat.io/v1alpha1');
  });

  it('accepts Velero provider names', async () => {
    const path = join(dir, 'c.yaml');
    await writeFile(
      path,
      'apiVersion: lifeboat.io/v1alpha1\nkind: Config\nlocations:\n  - name: a\n    provider: velero.io/azure\n    objectStorage: {bucket: c}\n',
    );
    expect((await loadConfig(path)).locations[0]?.provider).toBe('azure');
  });

  it('names the file and line for bad YAML', async () => {
    const path = join(dir, 'bad.yaml');
    await writeFile(path, 'apiVersion: lifeboat.io/v1alpha1\nkind: [unclosed\n');
    const err = (await loadConfig(path).catch((e: unknown) => e)) as LifeboatError;
    expect(err).toBeInstanceOf(LifeboatError);
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/not valid YAML/);
  });

  it('names the file and the field for schema errors', async () => {
    const path = join(dir, 'schema.yaml');
    await writeFile(
      path,
      'apiVersion: lifeboat.io/v1alpha1\nkind: Config\nlocations:\n  - name: a\n    provider: gcp\n    objectStorage: {bucket: c}\n',
    );
    const err = (await loadConfig(path).catch((e: unknown) => e)) as LifeboatError;
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain(`${path}: locations.0.provider`);
    expect(err.hint).toContain('locations.0.provider');
  });
});

describe('resolveLocation', () => {
  const base = { apiVersion: 'lifeboat.io/v1alpha1' as const, kind: 'Config' as const, path: '/cfg.yaml' };

  it('uses the embedded default when nothing is configured, under XDG_DATA_HOME', () => {
    const l = resolveLocation({ ...base, locations: [] }, undefined, { XDG_DATA_HOME: '/data' });
    expect(l).toMatchObject({
      name: 'default',
      provider: 'filesystem',
      objectStorage: { bucket: '/data/lifeboat/backups' },
    });
    expect(embeddedDefaultLocation({}).objectStorage.bucket).toMatch(/\.local\/share\/lifeboat\/backups$/);
  });

  it('finds the named one, the default one, and lists known names for an unknown one', () => {
    const config = { ...base, locations: [loc('a'), loc('b', { default: true })] };
    expect(resolveLocation(config, 'a').name).toBe('a');
    expect(resolveLocation(config).name).toBe('b');
    expect(resolveLocation({ ...config, defaultLocation: 'a' }).name).toBe('a');
    expect(() => resolveLocation(config, 'zzz')).toThrow(/no storage location named 'zzz'/);
    try {
      resolveLocation(config, 'zzz');
    } catch (err) {
      expect((err as LifeboatError).hint).toBe('known locations: a, b');
    }
  });

  it('keeps one default, refuses duplicates, and removes by name', () => {
    let config = { ...base, locations: [loc('a', { default: true })] };
    config = addLocation(config, loc('b', { default: true }));
    expect(config.locations.map((l) => [l.name, l.default])).toEqual([
      ['a', false],
      ['b', true],
    ]);
    expect(() => addLocation(config, loc('a'))).toThrow(/already exists/);
    config = removeLocation(config, 'b');
    expect(config.locations.map((l) => l.name)).toEqual(['a']);
    expect(() => removeLocation(config, 'b')).toThrow(
      expect.objectContaining({ hint: 'known locations: a' }) as Error,
    );
  });
});

describe('a config file with keys named like Object.prototype members', () => {
  it('keeps them as keys of schedule labels and location config, which inherit nothing', () => {
    const config = parseConfig(
      [
        'apiVersion: lifeboat.io/v1alpha1',
        'kind: Config',
        'locations:',
        '  - name: l',
        '    provider: aws',
        '    objectStorage: { bucket: b }',
        '    config: { constructor: b, region: eu-west-1, toString: c }',
        'schedules:',
        '  - name: s',
        "    schedule: '0 * * * *'",
        '    template:',
        '      labels: { constructor: x, toString: y }',
        '',
      ].join('\n'),
      'config.yaml',
    );
    const location = config.locations[0]!;
    expect(Object.keys(location.config)).toEqual(['constructor', 'region', 'toString']);
    expect(Object.getPrototypeOf(location.config)).toBeNull();
    expect(Object.entries(config.schedules![0]!.template!.labels!)).toEqual([
      ['constructor', 'x'],
      ['toString', 'y'],
    ]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('refuses a __proto__ key (no label or provider setting is named so) instead of dropping it', () => {
    expect(() =>
      parseConfig(
        [
          'apiVersion: lifeboat.io/v1alpha1',
          'kind: Config',
          'schedules:',
          '  - name: s',
          "    schedule: '0 * * * *'",
          '    template:',
          '      labels: { __proto__: x }',
          '',
        ].join('\n'),
        'config.yaml',
      ),
    ).toThrow(/__proto__/);
  });
});
