import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LifeboatError } from '../../errors/index.ts';
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  listSchedules,
  scheduleBackupRequest,
  setSchedulePaused,
  templateRequest,
  validateSchedule,
} from './schedule.ts';

let dir: string;
let config: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-schedule-'));
  config = join(dir, 'config.yaml');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('schedules in the config file', () => {
  it('creates, pauses, unpauses and deletes, keeping the YAML minimal', async () => {
    await createSchedule(config, {
      name: 'nightly',
      schedule: '0 3 * * *',
      timezone: 'Europe/Rome',
      retention: { daily: 7 },
    });
    expect(await readFile(config, 'utf8')).toContain(
      'schedules:\n  - name: nightly\n    schedule: 0 3 * * *\n',
    );
    expect((await setSchedulePaused(config, 'nightly', true)).paused).toBe(true);
    expect((await getSchedule(config, 'nightly')).paused).toBe(true);
    expect(await setSchedulePaused(config, 'nightly', false)).not.toHaveProperty('paused');
    await expect(createSchedule(config, { name: 'nightly', schedule: '@daily' })).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
    });
    await deleteSchedule(config, 'nightly');
    expect(await listSchedules(config)).toEqual([]);
    await expect(getSchedule(config, 'nightly')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it.each([
    [{ name: 'Bad', schedule: '@daily' }, /name:/],
    [{ name: 'ok', schedule: '@daily', ttl: '30 days' }, /ttl: not a Go duration/],
    [{ name: 'ok', schedule: '@daily', retention: { daily: -1 } }, /retention.daily/],
    [{ name: 'ok', schedule: '@daily', surprise: true }, /surprise|Unrecognized/],
    [{ name: 'ok', schedule: '99 * * * *' }, /schedule ok: invalid schedule/],
    [{ name: 'ok', schedule: '@daily', template: { podVolumeTimeout: '2d' } }, /template.podVolumeTimeout/],
    [
      { name: 'ok', schedule: '@daily', template: { defaultVolumesToFsBackup: 'yes' } },
      /defaultVolumesToFsBackup/,
    ],
    [{ name: 'ok', schedule: '@daily', timezone: 'Nowhere/Land' }, /unknown time zone/],
  ])('refuses %j with a USAGE error naming the field', (input, message) => {
    try {
      validateSchedule(input);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(LifeboatError);
      expect((err as LifeboatError).code).toBe('USAGE');
      expect((err as LifeboatError).message).toMatch(message);
    }
  });

  it('stores defaultVolumesToFsBackup in the template, where Velero keeps it (spec.template)', async () => {
    await createSchedule(config, {
      name: 'db',
      schedule: '@hourly',
      template: { defaultVolumesToFsBackup: true, podVolumeTimeout: '1h' },
    });
    expect(await readFile(config, 'utf8')).toContain(
      '    template:\n      defaultVolumesToFsBackup: true\n      podVolumeTimeout: 1h\n',
    );
    expect((await getSchedule(config, 'db')).template).toEqual({
      defaultVolumesToFsBackup: true,
      podVolumeTimeout: '1h',
    });
  });

  it('refuses a schedule for an unknown location', async () => {
    await expect(
      createSchedule(config, { name: 'x', schedule: '@daily', storageLocation: 'nope' }),
    ).rejects.toMatchObject({
      code: 'CONFIG',
    });
  });
});

describe('scheduleBackupRequest', () => {
  it('names the backup the Velero way and labels it with the schedule', () => {
    const r = scheduleBackupRequest(
      {
        name: 'nightly',
        schedule: '@daily',
        ttl: '24h',
        storageLocation: 's3',
        template: { includedNamespaces: ['app'], labels: { team: 'x' } },
      },
      new Date('2025-03-30T01:02:03.456Z'),
      { kube: {}, configPath: '/c.yaml' },
    );
    expect(r).toMatchObject({
      name: 'nightly-20250330010203',
      labels: { team: 'x', 'velero.io/schedule-name': 'nightly' },
      includedNamespaces: ['app'],
      excludedNamespaces: [],
      ttl: '24h',
      storageLocation: 's3',
    });
  });

  it("carries the template's pod volume settings into the backup, with the namespace of the agents", () => {
    const schedule = {
      name: 'db',
      schedule: '@hourly',
      template: { includedNamespaces: ['shop'], defaultVolumesToFsBackup: true, podVolumeTimeout: '90m' },
    };
    const r = scheduleBackupRequest(schedule, new Date('2025-03-30T01:00:00Z'), {
      kube: {},
      configPath: undefined,
      podVolumeNamespace: 'ops',
    });
    expect(r).toMatchObject({
      name: 'db-20250330010000',
      includedNamespaces: ['shop'],
      defaultVolumesToFsBackup: true,
      podVolumeTimeout: '90m',
      podVolumeNamespace: 'ops',
    });
    const plain = scheduleBackupRequest({ name: 'p', schedule: '@hourly' }, new Date(), {
      kube: {},
      configPath: undefined,
    });
    expect(plain.defaultVolumesToFsBackup).toBe(false);
    expect(plain.podVolumeTimeout).toBeUndefined();
  });
});

describe('templateRequest', () => {
  it('gives an API template the filters and pod volume settings a schedule gets', () => {
    expect(templateRequest({ excludedNamespaces: ['kube-*'], defaultVolumesToFsBackup: true })).toEqual({
      includedNamespaces: [],
      excludedNamespaces: ['kube-*'],
      includedResources: [],
      excludedResources: [],
      labelSelector: undefined,
      includeClusterResources: undefined,
      defaultVolumesToFsBackup: true,
      podVolumeTimeout: undefined,
    });
  });
});
