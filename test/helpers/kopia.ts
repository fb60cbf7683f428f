import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ensureComponent } from '../harness/build.ts';
import { kopia, kopiaOracle } from '../harness/components.ts';
import type { S3Env } from '../harness/object-stores.ts';

const exec = promisify(execFile);

/** Paths of the kopia CLI and kopia-oracle, built from the Go module proxy on first use (cached). */
export async function kopiaBinaries(): Promise<{ kopia: string; oracle: string }> {
  const [cli, oracle] = await Promise.all([ensureComponent(kopia), ensureComponent(kopiaOracle)]);
  return { kopia: cli['kopia']!, oracle: oracle['kopia-oracle']! };
}

/** Runs kopia-oracle with input on stdin; resolves with its stdout. */
export async function runOracle(
  command: string,
  args: string[] = [],
  input?: Buffer | string,
): Promise<Buffer> {
  const { oracle } = await kopiaBinaries();
  const child = exec(oracle, [command, ...args], { encoding: 'buffer', maxBuffer: 1 << 30 });
  if (input !== undefined) child.child.stdin?.end(input);
  else child.child.stdin?.end();
  const { stdout } = await child;
  return stdout;
}

/** The kopia CLI's storage arguments for a prefix of a harness S3 bucket (plain http on loopback). */
export function kopiaS3Storage(s3: S3Env, bucket: string, prefix: string): string[] {
  return [
    's3',
    ...['--endpoint', new URL(s3.endpoint).host, '--disable-tls', '--region', s3.region],
    ...['--bucket', bucket, '--prefix', prefix],
    ...['--access-key', s3.accessKeyId, '--secret-access-key', s3.secretAccessKey],
  ];
}
