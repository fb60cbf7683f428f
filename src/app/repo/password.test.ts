import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { LocationSchema } from '../../model/index.ts';
import { repositoryPassword, VELERO_DEFAULT_PASSWORD } from './password.ts';
import type { Logger } from '../../log/index.ts';

const location = (config: Record<string, string>) =>
  LocationSchema.parse({ name: 'l', provider: 'filesystem', objectStorage: { bucket: '/x' }, config });

describe('repositoryPassword', () => {
  it('reads the environment variable the location names', async () => {
    const loc = location({ repositoryPasswordEnvVar: 'REPO_PW' });
    expect(await repositoryPassword(loc, undefined, { REPO_PW: 's3cret' })).toBe('s3cret');
    await expect(repositoryPassword(loc, undefined, {})).rejects.toThrow(/REPO_PW, which is unset/);
  });

  it('reads the file the location names, without its trailing newline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-'));
    await writeFile(join(dir, 'pw'), 'from-file\n');
    expect(await repositoryPassword(location({ repositoryPasswordFile: join(dir, 'pw') }), undefined)).toBe(
      'from-file',
    );
    await expect(
      repositoryPassword(location({ repositoryPasswordFile: join(dir, 'none') }), undefined),
    ).rejects.toMatchObject({ code: 'CONFIG' });
  });

  it('refuses a password written in the config and warns once about the default', async () => {
    await expect(repositoryPassword(location({ repositoryPassword: 'x' }), undefined)).rejects.toThrow(
      /in clear/,
    );
    const warn = vi.fn();
    const logger = { warn } as unknown as Logger;
    expect(await repositoryPassword(location({}), logger)).toBe(VELERO_DEFAULT_PASSWORD);
    expect(await repositoryPassword(location({}), logger)).toBe(VELERO_DEFAULT_PASSWORD);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(warn.mock.calls)).not.toContain(VELERO_DEFAULT_PASSWORD);
  });
});
