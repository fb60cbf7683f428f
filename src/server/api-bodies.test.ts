import { describe, expect, it } from 'vitest';
import { ScheduleSchema } from '../config/config-file.ts';
import { badRequest, BackupBody, RestoreBody } from './api-bodies.ts';

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
