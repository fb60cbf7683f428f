import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/index.ts';
import { LiveConfig } from './live-config.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-live-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const withLocation = (name: string) =>
  `apiVersion: lifeboat.io/v1alpha1\nkind: Config\nlocations:\n  - name: ${name}\n    provider: aws\n    objectStorage: {bucket: b}\n`;

describe('LiveConfig', () => {
  it('re-reads the file on refresh, and keeps the previous config when the file turns invalid', async () => {
    const path = join(dir, 'config.yaml');
    await writeFile(path, withLocation('a'));
    const live = await LiveConfig.load(path, silentLogger());
    expect(live.current.locations.map((l) => l.name)).toEqual(['a']);

    await writeFile(path, 'apiVersion: lifeboat.io/v1alpha1\nkind: [unclosed\n');
    await live.refresh();
    expect(live.current.locations.map((l) => l.name)).toEqual(['a']);

    await writeFile(path, withLocation('b'));
    await live.refresh();
    expect(live.current.locations.map((l) => l.name)).toEqual(['b']);
  });

  it('refuses to start on an invalid file', async () => {
    const path = join(dir, 'config.yaml');
    await writeFile(path, 'apiVersion: lifeboat.io/v1alpha1\nkind: [unclosed\n');
    await expect(LiveConfig.load(path, silentLogger())).rejects.toThrow(path);
  });
});
