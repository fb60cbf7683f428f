import { describe, expect, it } from 'vitest';
import { ScheduleSchema } from '../../config/index.ts';
import { badRequest, BackupBody, RestoreBody } from './api-bodies.ts';

/** A dictionary's value at a key given at run time (as outside names are). */
const read = (dict: Record<string, unknown>, key: string): unknown => dict[key];

describe('API bodies with keys named like Object.prototype members', () => {
  it('keeps namespace and storage class mappings of __proto__ and constructor, and inherits none', () => {
    const body = RestoreBody.parse(
      JSON.parse(
        '{"backupName":"b","namespaceMapping":{"__proto__":"a","constructor":"b"},"storageClassMapping":{"toString":"fast"}}',
      ),
    );
    expect(Object.entries(body.namespaceMapping!)).toEqual([
      ['__proto__', 'a'],
      ['constructor', 'b'],
    ]);
    expect(read(body.namespaceMapping!, 'toString')).toBeUndefined();
    expect(read(body.storageClassMapping!, 'constructor')).toBeUndefined();
    expect(read(body.storageClassMapping!, 'toString')).toBe('fast');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('refuses a mapping whose __proto__ value is an object, naming the key', () => {
    const result = RestoreBody.safeParse(
      JSON.parse('{"backupName":"b","namespaceMapping":{"__proto__":{"polluted":"x"}}}'),
    );
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['namespaceMapping', '__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('takes pod volume settings in the template, and refuses a non-boolean or a bad duration naming the field', () => {
    const body = BackupBody.parse({ template: { defaultVolumesToFsBackup: true, podVolumeTimeout: '2h' } });
    expect(body.template).toEqual({ defaultVolumesToFsBackup: true, podVolumeTimeout: '2h' });
    for (const [template, field] of [
      [{ defaultVolumesToFsBackup: 'true' }, 'template.defaultVolumesToFsBackup'],
      [{ podVolumeTimeout: '1 day' }, 'template.podVolumeTimeout'],
    ] as const) {
      const parsed = BackupBody.safeParse({ template });
      expect(parsed.success).toBe(false);
      expect(badRequest(parsed.error!).field).toBe(field);
    }
  });

  it("takes Velero's spec.hooks in the template, and refuses an unknown onError naming the field", () => {
    const hooks = {
      resources: [{ name: 'freeze', pre: [{ exec: { command: ['sync'], onError: 'Fail' } }] }],
    };
    expect(BackupBody.parse({ template: { hooks } }).template?.hooks).toEqual(hooks);
    const bad = { resources: [{ name: 'freeze', pre: [{ exec: { command: ['sync'], onError: 'Retry' } }] }] };
    const parsed = BackupBody.safeParse({ template: { hooks: bad } });
    expect(parsed.success).toBe(false);
    expect(badRequest(parsed.error!).field).toBe('template.hooks.resources.0.pre.0.exec.onError');
  });

  it('keeps template labels named __proto__ and constructor', () => {
    const body = BackupBody.parse(JSON.parse('{"template":{"labels":{"__proto__":"a","constructor":"b"}}}'));
    expect(Object.entries(body.template!.labels!)).toEqual([
      ['__proto__', 'a'],
      ['constructor', 'b'],
    ]);
  });
});

describe('request bodies: namespace and resource patterns', () => {
  it.each([
    ['includedNamespaces', ['[z-a]'], /reversed/],
    ['excludedNamespaces', ['ns-[a'], /not closed/],
    ['includedResources', ['x'.repeat(1025)], /at most 1024/],
    ['restoreStatus', ['{a,b'], /not closed/],
  ])('a bad %s pattern is a 400 naming the field', (field, value, message) => {
    const parsed = RestoreBody.safeParse({ backupName: 'b', [field]: value });
    expect(parsed.success).toBe(false);
    const answer = badRequest(parsed.error!);
    expect(answer.field).toBe(field);
    expect(answer.message).toMatch(message);
  });

  it('checks the patterns of an ad-hoc backup template', () => {
    const parsed = BackupBody.safeParse({ template: { includedNamespaces: ['app-*', '[]'] } });
    expect(parsed.success).toBe(false);
    expect(badRequest(parsed.error!).field).toBe('template.includedNamespaces');
    expect(BackupBody.safeParse({ template: { includedNamespaces: ['app-*', '{a,b}-[0-9]'] } }).success).toBe(
      true,
    );
  });
});

describe('POST /api/v1/backups body', () => {
  it.each([
    'velero.io/schedule-name',
    'velero.io/storage-location',
    'velero.io/source-cluster-k8s-gitversion',
    'Velero.io/schedule-name',
    'lifeboat.io/cluster-uid',
  ])('refuses the reserved label %s in the template with a 400 naming it', (key) => {
    const parsed = BackupBody.safeParse({ template: { labels: { team: 'a', [key]: 'nightly' } } });
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    const answer = badRequest(parsed.error);
    expect(answer.error).toBe('BAD_REQUEST');
    expect(answer.field).toBe(`template.labels.${key}`);
    expect(answer.message).toContain(`label '${key}' is reserved`);
  });

  it('accepts labels of the user', () => {
    expect(BackupBody.safeParse({ template: { labels: { team: 'a', 'example.com/x': 'y' } } }).success).toBe(
      true,
    );
  });

  it('schedule templates refuse reserved labels too', () => {
    const parsed = ScheduleSchema.safeParse({
      name: 'nightly',
      schedule: '@daily',
      template: { labels: { 'velero.io/schedule-name': 'other' } },
    });
    expect(parsed.success).toBe(false);
  });
});
