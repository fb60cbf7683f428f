import { describe, expect, it } from 'vitest';
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
