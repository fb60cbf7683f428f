import { describe, expect, it } from 'vitest';
import { memoryBlobs } from '../blob/memory-blobs.ts';
import { encodeFormatBlob, parseFormatBlob } from './format-blob.ts';
import { encryptFormatBytes, PBKDF2 } from './key-derivation.ts';
import { encodeRepositoryConfig, type RepositoryConfig } from './repository-config.ts';
import { createRepositoryFormat, openRepositoryFormat } from './repository-format.ts';
import { readVeleroMarker } from './velero-marker.ts';

// Made by `kopia repository create filesystem --path R --password pw` (kopia v0.22.3, Velero's
// defaults): R/kopia.repository.f verbatim, and R/kopia.blobcfg.f in base64.
const KOPIA_FORMAT_BLOB = `{
  "tool": "https://github.com/kopia/kopia",
  "buildVersion": "v0.22.3",
  "buildInfo": "-(unknown_revision)",
  "uniqueID": "72b8wKNsX/j+rYklD87yBT5WHC8elfJf7OBtSF5+uZY=",
  "keyAlgo": "scrypt-65536-8-1",
  "encryption": "AES256_GCM",
  "encryptedBlockFormat": "mULU+iZCYGZ688NZR/a14R/Dz86VYWPsjNkFCfL5T0QWRpI4b69UPnIQ24aeWU+6hGFq6NeJARb5MzMLkexPNycL6CEyF1QErackhOgplBf1dHEkvgjxL9jZrlZhlhNQHhJ8X/9Gf/Q5HIkoghlstmXPnGVygpD6lykExTT2IKfOeP8bY+b1T0JxHI9ghqaZNMJ1CX+Wm6rbA6vpxKjmu3NuF9h5mDmc8V2HiAJtz8N4lA1XGUbBCL/HNI4XGlWZoBEtwP7qt90KSGFh5u2O6QWZcVIB0lg5hXnMD3GW8iXVfm5NA91UhsJh+r6M81WcfKXw9+LhIMzuFaNGNxfsWc9BTyLU/S8X4QcB4Vk5UXTNlyrTnMetcqlAkD/Jp/HoRlvcaFlCRy61AE7uv51ZsRD7Y3Jjvh7I1VNgJ/rjtgfcmmY0wSq+IFZegbtPTKltHQNwn6AE7HnX3yhAmsr8+3FCQbtlDR1QYZgNyiy7nvIonjrtL36Ukk52TaOCPx/m25vSlL2L9W+NDWQ4VFnDinoPORaL0/kuqwlPUlKCCxkx7UJ1Jd0cx7GjhgZScO5sbB36qqsLIlAEnqvviGiV6Jcb+5SvyEX2O0A/Xn2HUY/AkkZcKWSLMbqeKiqQ/8Z1hEVibvEALbt2zH65ddYe8XFVBUpRUus1MHtsQH3vE+GXUMlMeUf1HmA0Pfpp4W1RvarUYVoPP6FGyvaTynxWBpgi/zeWHk5xFHhqpIaemE856qkZkHs3/BZYQqzsbbBzI4pscgGgr4u3Da2kOHAhQa/ynVj1EiqZGRMmLB/CRg=="
}
`;
const KOPIA_BLOBCFG = '97ZFDwBemzBFCj38/5oYWxLCW0VsZetIE5wjZV91';

async function kopiaMade() {
  const blobs = memoryBlobs();
  await blobs.putBlob('kopia.repository', Buffer.from(KOPIA_FORMAT_BLOB));
  await blobs.putBlob('kopia.blobcfg', Buffer.from(KOPIA_BLOBCFG, 'base64'));
  return blobs;
}

/** Rewrites the configuration inside a format blob (as a newer or damaged writer would). */
async function rewriteConfig(password: string, change: (c: RepositoryConfig) => RepositoryConfig) {
  const blobs = memoryBlobs();
  const created = await createRepositoryFormat(blobs, password);
  const key = created.formatKey;
  const encrypted = encryptFormatBytes(encodeRepositoryConfig(change(created.config)), key, created.uniqueId);
  const formatBlob = { ...created.formatBlob, encryptedBlockFormat: encrypted };
  await blobs.deleteBlob('kopia.repository');
  await blobs.putBlob('kopia.repository', encodeFormatBlob(formatBlob));
  return blobs;
}

// Each scrypt takes about a second on a loaded 2-core machine.
describe('kopia.repository', { timeout: 60_000 }, () => {
  it('opens a repository kopia created, with Velero defaults', async () => {
    const format = await openRepositoryFormat(await kopiaMade(), 'pw');
    expect(format.uniqueId.toString('hex')).toBe(
      'ef66fcc0a36c5ff8fead89250fcef2053e561c2f1e95f25fece06d485e7eb996',
    );
    expect(format.formatBlob).toMatchObject({
      tool: 'https://github.com/kopia/kopia',
      keyAlgo: 'scrypt-65536-8-1',
    });
    expect(format.config).toMatchObject({
      hash: 'BLAKE2B-256-128',
      encryption: 'AES256-GCM-HMAC-SHA256',
      ecc: '',
      version: 3,
      maxPackSize: 20 << 20,
      indexVersion: 2,
      enablePasswordChange: true,
      splitter: 'DYNAMIC-4M-BUZHASH',
      requiredFeatures: [],
      epochParameters: {
        Enabled: true,
        EpochRefreshFrequency: 1_200_000_000_000,
        MinEpochDuration: 86_400_000_000_000,
      },
    });
    expect(format.config.secret).toHaveLength(32);
    expect(format.config.masterKey).toHaveLength(32);
    expect(format.blobConfig).toEqual({});
  });

  it("re-encodes kopia's format blob byte for byte", () => {
    const parsed = parseFormatBlob(Buffer.from(KOPIA_FORMAT_BLOB), 'test');
    expect(encodeFormatBlob(parsed).toString()).toBe(KOPIA_FORMAT_BLOB);
  });

  it('a wrong password is UNAUTHENTICATED with the hint where Velero keeps it', async () => {
    const err = await openRepositoryFormat(await kopiaMade(), 'static-passw0rd').catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'UNAUTHENTICATED',
      hint: expect.stringContaining('velero-repo-credentials') as string,
    });
    expect((err as Error).message).toContain('the repository password is wrong');
  });

  it('a missing kopia.repository is NOT_FOUND; a malformed one CORRUPT', async () => {
    await expect(openRepositoryFormat(memoryBlobs(), 'pw')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    for (const bad of ['not json', '{"uniqueID": 5}', '{"uniqueID":"@@@@"}']) {
      const blobs = memoryBlobs();
      await blobs.putBlob('kopia.repository', Buffer.from(bad));
      await expect(openRepositoryFormat(blobs, 'pw')).rejects.toMatchObject({ code: 'CORRUPT' });
    }
  });

  it('creates a repository with Velero defaults that opens again, with the Velero marker', async () => {
    const blobs = memoryBlobs();
    const created = await createRepositoryFormat(blobs, 'static-passw0rd', { veleroMarker: true });
    expect(blobs.ids()).toEqual(['kopia.blobcfg', 'kopia.repository', 'udmrepo.Repository']);
    const opened = await openRepositoryFormat(blobs, 'static-passw0rd');
    expect(opened.config).toEqual(created.config);
    expect(opened.uniqueId.equals(created.uniqueId)).toBe(true);
    expect((await readVeleroMarker(blobs))?.equals(created.uniqueId)).toBe(true);
    await expect(createRepositoryFormat(blobs, 'x')).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it('derives the format key with pbkdf2 too', async () => {
    const blobs = memoryBlobs();
    await createRepositoryFormat(blobs, 'pw', { keyAlgo: PBKDF2 });
    expect(blobs.ids()).toEqual(['kopia.blobcfg', 'kopia.repository']);
    const opened = await openRepositoryFormat(blobs, 'pw');
    expect(opened.formatBlob.keyAlgo).toBe('pbkdf2-sha256-600000');
    await expect(openRepositoryFormat(blobs, 'wrong')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('refuses unknown required features, naming them; a "warn" feature is a warning', async () => {
    const feature = (name: string, warn: boolean) => ({ feature: name, ifNotUnderstood: { warn } });
    const refused = await rewriteConfig('pw', (c) => ({
      ...c,
      requiredFeatures: [feature('index-v2', false), feature('quantum-packs', false)],
    }));
    const err = await openRepositoryFormat(refused, 'pw').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNSUPPORTED', details: { features: ['quantum-packs'] } });
    expect((err as Error).message).toContain("'quantum-packs'");
    const warned = await rewriteConfig('pw', (c) => ({ ...c, requiredFeatures: [feature('shiny', true)] }));
    expect((await openRepositoryFormat(warned, 'pw')).warnings).toHaveLength(1);
  });

  it('refuses an unknown format version and a repository under upgrade', async () => {
    const v9 = await rewriteConfig('pw', (c) => ({ ...c, version: 9 }));
    await expect(openRepositoryFormat(v9, 'pw')).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    const locked = await rewriteConfig('pw', (c) => ({ ...c, upgradeLock: { ownerID: 'x' } }));
    await expect(openRepositoryFormat(locked, 'pw')).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
