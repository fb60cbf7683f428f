import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveFormatKey, PBKDF2, SCRYPT } from './key-derivation.ts';

// scrypt and pbkdf2 take a while on a loaded machine.
const SLOW = { timeout: 120_000 };

describe('deriveFormatKey', SLOW, () => {
  it('derives a repository’s key once per process: the same salt and password give the same key', async () => {
    const salt = randomBytes(32);
    const first = await deriveFormatKey('pw', salt, SCRYPT);
    const again = await deriveFormatKey('pw', Buffer.from(salt), SCRYPT);
    expect(again).toBe(first);
    expect(first).toHaveLength(32);
  });

  it('keeps keys of other passwords, salts and algorithms apart', async () => {
    const salt = randomBytes(32);
    const key = await deriveFormatKey('pw', salt, SCRYPT);
    const keys = [
      await deriveFormatKey('pw2', salt, SCRYPT),
      await deriveFormatKey('pw', randomBytes(32), SCRYPT),
      await deriveFormatKey('pw', salt, PBKDF2),
    ];
    for (const other of keys) expect(other.equals(key)).toBe(false);
  });

  it('does not keep a failure: a short salt is refused every time', async () => {
    const salt = randomBytes(8);
    await expect(deriveFormatKey('pw', salt, SCRYPT)).rejects.toMatchObject({ code: 'CORRUPT' });
    await expect(deriveFormatKey('pw', salt, SCRYPT)).rejects.toMatchObject({ code: 'CORRUPT' });
  });
});
