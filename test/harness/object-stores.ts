import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ensureComponent } from './build.ts';
import { versitygw } from './components.ts';
import { freePort, startProcess, waitFor, type ManagedProcess } from './processes.ts';

export interface S3Env {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface AzureEnv {
  connectionString: string;
  accountName: string;
  accountKey: string;
  blobEndpoint: string;
}

/** versitygw: a real S3 gateway over a posix folder, root credentials made for this run. */
export async function startS3(
  dir: string,
  log: (line: string) => void = () => {},
): Promise<{ env: S3Env; proc: ManagedProcess }> {
  const bins = await ensureComponent(versitygw, log);
  const data = join(dir, 'data');
  const meta = join(dir, 'meta');
  await mkdir(data, { recursive: true });
  await mkdir(meta, { recursive: true });
  const port = await freePort();
  const env: S3Env = {
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    accessKeyId: `lifeboat${randomBytes(6).toString('hex')}`,
    secretAccessKey: randomBytes(24).toString('base64url'),
  };
  const proc = startProcess(
    'versitygw',
    bins['versitygw']!,
    [
      '--port',
      `127.0.0.1:${port}`,
      '--region',
      env.region,
      '--health',
      '/health',
      'posix',
      '--sidecar',
      meta,
      data,
    ],
    {
      log: join(dir, 'versitygw.log'),
      env: { ROOT_ACCESS_KEY_ID: env.accessKeyId, ROOT_SECRET_ACCESS_KEY: env.secretAccessKey },
    },
  );
  await waitFor(
    'versitygw',
    async () => (await fetch(`${env.endpoint}/health`, { signal: AbortSignal.timeout(2000) })).ok,
    {
      timeoutMs: 30_000,
      proc,
    },
  );
  return { env, proc };
}

/** The Azure Storage emulator's published development account. */
const AZURITE_ACCOUNT = 'devstoreaccount1';
const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** Azurite from npm (blob service only), on loopback, telemetry off, data in `dir`. */
export async function startAzurite(dir: string): Promise<{ env: AzureEnv; proc: ManagedProcess }> {
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('azurite/package.json');
  const pkg = JSON.parse(await readFile(pkgPath, 'utf8')) as { bin: Record<string, string> };
  const script = join(dirname(pkgPath), pkg.bin['azurite-blob'] ?? 'dist/src/blob/main.js');
  const proc = startProcess(
    'azurite',
    process.execPath,
    [
      script,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--location',
      dir,
      '--skipApiVersionCheck',
      '--loose',
      '--disableTelemetry',
      '--silent',
    ],
    { log: join(dir, 'azurite.log') },
  );
  const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const env: AzureEnv = {
    accountName: AZURITE_ACCOUNT,
    accountKey: AZURITE_KEY,
    blobEndpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};`,
  };
  // Any HTTP answer (403 for an anonymous request) means it is serving.
  await waitFor(
    'azurite',
    async () => (await fetch(`${blobEndpoint}?comp=list`, { signal: AbortSignal.timeout(2000) })).status > 0,
    {
      timeoutMs: 30_000,
      proc,
    },
  );
  return { env, proc };
}
