import { describe, expect, it } from 'vitest';
import { redact, Secret } from './redact.ts';

describe('redact', () => {
  it.each([
    ['https://admin:s3cr3t@minio.example:9000/bucket', 'https://[REDACTED]@minio.example:9000/bucket'],
    [
      'DefaultEndpointsProtocol=http;AccountName=dev;AccountKey=abc+/==;BlobEndpoint=http://127.0.0.1:1/dev;',
      'DefaultEndpointsProtocol=http;AccountName=dev;AccountKey=[REDACTED];BlobEndpoint=http://127.0.0.1:1/dev;',
    ],
    [
      'https://acct.blob.core/c?sv=2020&sig=AbC%2Fd&se=1',
      'https://acct.blob.core/c?sv=2020&sig=[REDACTED]&se=1',
    ],
    ['aws_secret_access_key = wJalrXUtnFEMI', 'aws_secret_access_key = [REDACTED]'],
    ['AZURE_STORAGE_ACCOUNT_ACCESS_KEY=xyz==', 'AZURE_STORAGE_ACCOUNT_ACCESS_KEY=[REDACTED]'],
    ['{"secretAccessKey":"hunter2","region":"us"}', '{"secretAccessKey":"[REDACTED]","region":"us"}'],
    ['Authorization: Bearer eyJhbGciOi.x.y', 'Authorization: [REDACTED]'],
    ['X-Amz-Signature=deadbeef&X-Amz-Date=1', 'X-Amz-Signature=[REDACTED]&X-Amz-Date=1'],
  ])('hides the secret in %s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('hides PEM private keys', () => {
    const pem = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI\n-----END EC PRIVATE KEY-----';
    expect(redact(`key: ${pem}`)).toBe('key: [REDACTED PRIVATE KEY]');
  });

  it('leaves ordinary text alone and is idempotent', () => {
    const text = 'backup nightly-20260101 Completed: 1204 items, bucket=velero region=us-east-1';
    expect(redact(text)).toBe(text);
    const once = redact('password=abc token=def');
    expect(redact(once)).toBe(once);
  });
});

describe('Secret', () => {
  it('never prints its value', () => {
    const s = new Secret('hunter2');
    expect(String(s)).toBe('[REDACTED]');
    expect(`${String(s)}`).toBe('[REDACTED]');
    expect(JSON.stringify({ s })).toBe('{"s":"[REDACTED]"}');
    expect(s.reveal()).toBe('hunter2');
  });
});
