import { describe, expect, it } from 'vitest';
import { awsProfile, parseAwsCredentials, parseDotenv } from './credentials.ts';

describe('AWS shared-credentials INI', () => {
  const ini = [
    '# Velero cloud credentials',
    '[default]',
    'aws_access_key_id = AKIDEFAULT',
    'aws_secret_access_key=s3cr3t/with+chars=',
    '',
    '[profile backup]',
    'AWS_ACCESS_KEY_ID = AKIBACKUP ; comment',
    'aws_secret_access_key = other',
    'aws_session_token = tok',
  ].join('\r\n');

  it('reads profiles, keys case-insensitively, values as Secrets', () => {
    const profiles = parseAwsCredentials(ini);
    expect([...profiles.keys()]).toEqual(['default', 'backup']);
    const def = awsProfile(ini, 'default', 'creds');
    expect(def.accessKeyId).toBe('AKIDEFAULT');
    expect(def.secretAccessKey.reveal()).toBe('s3cr3t/with+chars=');
    expect(String(def.secretAccessKey)).toBe('[REDACTED]');
    expect(def.sessionToken).toBeUndefined();
    const backup = awsProfile(ini, 'backup', 'creds');
    expect(backup.accessKeyId).toBe('AKIBACKUP');
    expect(backup.sessionToken?.reveal()).toBe('tok');
  });

  it('names the file and the missing profile, never a value', () => {
    expect(() => awsProfile(ini, 'nope', '/etc/creds')).toThrow(/\/etc\/creds has no profile \[nope\]/);
    const incomplete = '[default]\naws_access_key_id = X\n';
    expect(() => awsProfile(incomplete, 'default', 'f')).toThrow(
      /lacks aws_access_key_id or aws_secret_access_key/,
    );
  });
});

describe('dotenv', () => {
  it('reads KEY=VALUE with comments, export, quotes and escapes', () => {
    const env = parseDotenv(
      [
        '# azure',
        'AZURE_STORAGE_ACCOUNT_ACCESS_KEY=abc+/def==',
        'export AZURE_CLOUD_NAME = AzurePublicCloud # trailing comment',
        `SINGLE='a # not a comment'`,
        'DOUBLE="line1\\nline2 \\"q\\""',
        'EMPTY=',
        'not a pair',
      ].join('\n'),
    );
    expect(env.get('AZURE_STORAGE_ACCOUNT_ACCESS_KEY')?.reveal()).toBe('abc+/def==');
    expect(env.get('AZURE_CLOUD_NAME')?.reveal()).toBe('AzurePublicCloud');
    expect(env.get('SINGLE')?.reveal()).toBe('a # not a comment');
    expect(env.get('DOUBLE')?.reveal()).toBe('line1\nline2 "q"');
    expect(env.get('EMPTY')?.reveal()).toBe('');
    expect(env.size).toBe(5);
    expect(JSON.stringify(Object.fromEntries(env))).not.toContain('abc');
  });
});
