import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/index.ts';
import { watchAgentConfig } from './config-watch.ts';

const config = (root: string) =>
  [
    'apiVersion: lifeboat.io/v1alpha1',
    'kind: Config',
    'locations:',
    `  - {name: fs, provider: filesystem, objectStorage: {bucket: ${root}}, default: true}`,
    '',
  ].join('\n');

/** Writes a new version the way the kubelet updates a mounted ConfigMap: a new dir, then `..data` swapped. */
async function kubeletWrite(dir: string, version: number, text: string) {
  const data = join(dir, `..v${version}`);
  await mkdir(data);
  await writeFile(join(data, 'config.yaml'), text);
  await symlink(`..v${version}`, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  if (version === 1) await symlink('..data/config.yaml', join(dir, 'config.yaml'));
  else await rm(join(dir, `..v${version - 1}`), { recursive: true });
}

let dir: string | undefined;
afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('watchAgentConfig', () => {
  it('reads the file again after the kubelet swaps its directory, and says when it is invalid', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lifeboat-agent-config-'));
    await kubeletWrite(dir, 1, config('/a'));
    const seen: (Error | undefined)[] = [];
    const watch = watchAgentConfig({
      configPath: join(dir, 'config.yaml'),
      logger: silentLogger(),
      debounceMs: 50,
      onReload: (err) => seen.push(err),
    });
    /** Waits for reads after a write (one write may be read more than once); gives the last. */
    const readAfter = async (count: number) => {
      for (let i = 0; i < 500 && seen.length <= count; i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      return { last: seen.at(-1), count: seen.length };
    };
    try {
      await kubeletWrite(dir, 2, config('/b'));
      const valid = await readAfter(0);
      expect(valid.count).toBeGreaterThan(0);
      expect(valid.last).toBeUndefined();
      await kubeletWrite(dir, 3, 'kind: Config\nlocations: 7\n');
      const invalid = await readAfter(valid.count);
      expect(invalid.count).toBeGreaterThan(valid.count);
      expect(invalid.last?.message).toMatch(/config\.yaml/);
      expect(watch.reloads).toBe(invalid.count);
    } finally {
      watch.close();
    }
  });
});
