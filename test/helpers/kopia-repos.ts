import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import type { Location } from '../../src/model/location.ts';
import { FilesystemObjectStore } from '../../src/store/providers/filesystem/filesystem-store.ts';
import type { BlobStorage } from '../../src/volumedata/kopia/blob/blob-storage.ts';
import { shardedBlobs } from '../../src/volumedata/kopia/blob/sharded-blobs.ts';
import type { RepositoryFormat } from '../../src/volumedata/kopia/format/repository-format.ts';
import type { HarnessEnv } from '../harness/harness.ts';
import { runOracle } from './kopia.ts';
import { azureLocation as azureTestLocation, s3Location as s3TestLocation } from './locations.ts';

const exec = promisify(execFile);

/** Velero's default repository password. */
export const PASSWORD = 'static-passw0rd';

/**
 * The kopia CLI and kopia-oracle over repositories in a test folder, and the checks that compare
 * what lifeboat reads with what kopia reports. Every kopia config and cache stays inside dir.
 */
export function kopiaWorkspace(dir: string, kopiaPath: string, env: HarnessEnv) {
  /** Runs the kopia CLI with a config file and cache of its own under the test folder. */
  async function kopia(config: string, args: string[], password = PASSWORD): Promise<string> {
    const { stdout } = await exec(
      kopiaPath,
      [...args, '--config-file', join(dir, `${config}.config`), '--password', password],
      {
        env: { PATH: process.env['PATH'] ?? '', HOME: dir, KOPIA_CHECK_FOR_UPDATES: 'false' },
        maxBuffer: 1 << 26,
      },
    );
    return stdout;
  }

  const cache = (config: string) => ['--cache-directory', join(dir, `${config}.cache`)];

  interface OracleFormat {
    uniqueID: string;
    formatKey: string;
    hash: string;
    encryption: string;
    secret: string;
    masterKey: string;
    splitter: string;
    enablePasswordChange: boolean;
    mutable: { version: number; maxPackSize: number; indexVersion: number; epochParameters: unknown };
  }

  async function oracleFormat(path: string, password = PASSWORD): Promise<OracleFormat> {
    return JSON.parse((await runOracle('format-open', [path, password])).toString()) as OracleFormat;
  }

  /** Every field kopia's own format manager decrypted equals lifeboat's, secrets included. */
  function expectSameFormat(format: RepositoryFormat, oracle: OracleFormat): void {
    expect(format.uniqueId.toString('base64')).toBe(oracle.uniqueID);
    expect(format.formatKey.toString('base64')).toBe(oracle.formatKey);
    expect(format.config.secret.toString('base64')).toBe(oracle.secret);
    expect(format.config.masterKey.toString('base64')).toBe(oracle.masterKey);
    expect(format.config).toMatchObject({
      hash: oracle.hash,
      encryption: oracle.encryption,
      splitter: oracle.splitter,
      enablePasswordChange: oracle.enablePasswordChange,
      version: oracle.mutable.version,
      maxPackSize: oracle.mutable.maxPackSize,
      indexVersion: oracle.mutable.indexVersion,
      epochParameters: oracle.mutable.epochParameters,
    });
  }

  /** What `kopia repository status --json` reports equals lifeboat's configuration. */
  async function expectStatus(config: string, format: RepositoryFormat): Promise<void> {
    const status = JSON.parse(await kopia(config, ['repository', 'status', '--json'])) as {
      uniqueIDHex: string;
      contentFormat: Record<string, unknown>;
      objectFormat: { splitter: string };
    };
    expect(status.uniqueIDHex).toBe(format.uniqueId.toString('hex'));
    expect(status.objectFormat.splitter).toBe(format.config.splitter);
    expect(status.contentFormat).toMatchObject({
      hash: format.config.hash,
      encryption: format.config.encryption,
      version: format.config.version,
      maxPackSize: format.config.maxPackSize,
      indexVersion: format.config.indexVersion,
      epochParameters: format.config.epochParameters,
      enablePasswordChange: format.config.enablePasswordChange,
    });
  }

  /** The blob IDs `kopia blob list` shows equal lifeboat's listing. */
  async function expectSameBlobs(config: string, blobs: BlobStorage): Promise<void> {
    const listed = (await kopia(config, ['blob', 'list']))
      .split('\n')
      .map((line) => line.split(/\s+/)[0] ?? '')
      .filter((id) => id !== '');
    const ours: string[] = [];
    for await (const b of blobs.listBlobs('')) ours.push(b.id);
    expect(ours.sort()).toEqual(listed.sort());
    expect(ours).toContain('kopia.repository');
  }

  async function filesystemRepo(name: string, extra: string[] = []) {
    const root = join(dir, name);
    await mkdir(root, { recursive: true });
    const path = join(root, 'kopia', 'ns1');
    await kopia(name, [
      'repository',
      'create',
      'filesystem',
      '--path',
      path,
      '--no-persist-credentials',
      ...cache(name),
      ...extra,
    ]);
    const store = new FilesystemObjectStore({ root });
    return { root, path, store, blobs: shardedBlobs(store, 'kopia/ns1/') };
  }

  async function collect(blobs: BlobStorage, prefix: string) {
    const out = [];
    for await (const b of blobs.listBlobs(prefix)) out.push(b);
    return out;
  }

  const s3Location = (bucket: string): Promise<Location> => s3TestLocation(dir, env.s3!, bucket);
  const azureLocation = (container: string): Promise<Location> =>
    azureTestLocation(dir, env.azure!, container);

  return {
    kopia,
    cache,
    oracleFormat,
    expectSameFormat,
    expectStatus,
    expectSameBlobs,
    filesystemRepo,
    collect,
    s3Location,
    azureLocation,
  };
}

/** Copies every blob of a repository from one storage to another; gives how many. */
export async function copyBlobs(from: BlobStorage, to: BlobStorage): Promise<number> {
  let n = 0;
  for await (const b of from.listBlobs('')) {
    await to.putBlob(b.id, await from.getBlob(b.id));
    n++;
  }
  return n;
}
