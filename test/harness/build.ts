import { spawn } from 'node:child_process';
import { access, cp, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, componentBinDir, harnessDir } from './paths.ts';
import type { GoComponent } from './components.ts';

export class HarnessError extends Error {
  readonly hint: string;
  constructor(message: string, hint: string) {
    super(`${message}\n  hint: ${hint}`);
    this.name = 'HarnessError';
    this.hint = hint;
  }
}

export interface BuildLog {
  (line: string): void;
}

/** Paths of a component's binaries, building them first if the cache does not hold them. */
export async function ensureComponent(
  component: GoComponent,
  log: BuildLog = () => {},
): Promise<Record<string, string>> {
  const binDir = componentBinDir(component);
  const binaries = Object.fromEntries(component.packages.map((p) => [p.binary, join(binDir, p.binary)]));
  if (await allExecutable(Object.values(binaries))) return binaries;

  await mkdir(join(cacheDir(), 'bin'), { recursive: true });
  const unlock = await lock(join(cacheDir(), 'bin', `.${component.name}-${component.version}.lock`), log);
  try {
    if (await allExecutable(Object.values(binaries))) return binaries; // built by another process meanwhile
    await build(component, binDir, log);
  } finally {
    await unlock();
  }
  return binaries;
}

async function build(component: GoComponent, binDir: string, log: BuildLog): Promise<void> {
  const go = await findGo();
  const started = Date.now();
  log(
    `building ${component.name} ${component.version} from the Go module proxy (cold build; cached afterwards in ${binDir})`,
  );
  const work = await mkdtemp(join(cacheDir(), 'bin', `.build-${component.name}-`));
  try {
    // The wrapper module is copied out of the repo so that the build never writes into it.
    const moduleDir = join(work, 'module');
    const outDir = join(work, 'out');
    await cp(join(harnessDir, 'go', component.moduleDir), moduleDir, { recursive: true });
    await mkdir(outDir);
    const args = [
      'build',
      '-mod=mod',
      '-trimpath',
      `-ldflags=${component.ldflags.join(' ')}`,
      '-o',
      `${outDir}/`,
    ];
    if (component.tags.length > 0) args.push(`-tags=${component.tags.join(',')}`);
    args.push(...component.packages.map((p) => p.path));
    await run(go, args, moduleDir, {
      GOTOOLCHAIN: 'local',
      CGO_ENABLED: '0',
      GOFLAGS: '-buildvcs=false',
    });
    for (const p of component.packages) {
      const built = join(outDir, lastElement(p.path));
      if (lastElement(p.path) !== p.binary) await rename(built, join(outDir, p.binary));
    }
    await rm(binDir, { recursive: true, force: true });
    await rename(outDir, binDir); // atomic: the cache holds a whole build or none
    log(`built ${component.name} ${component.version} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function lastElement(path: string): string {
  const parts = path.split('/').filter((p) => !/^v\d+$/.test(p));
  return parts[parts.length - 1] ?? path;
}

async function findGo(): Promise<string> {
  const candidates = [process.env['GO'], 'go', '/usr/local/go/bin/go'].filter((c): c is string => !!c);
  for (const candidate of candidates) {
    try {
      const out = await capture(candidate, ['version']);
      const m = /go(\d+)\.(\d+)/.exec(out);
      if (m && (Number(m[1]) > 1 || Number(m[2]) >= 25)) return candidate;
      if (m) {
        throw new HarnessError(
          `Go ${m[1]}.${m[2]} is too old to build the test components (found ${candidate}: ${out.trim()})`,
          'install Go 1.25 or newer (https://go.dev/doc/install) and put it on PATH, or set GO=/path/to/go',
        );
      }
    } catch (err) {
      if (err instanceof HarnessError) throw err;
    }
  }
  throw new HarnessError(
    'Go is not installed: the test harness builds etcd, kube-apiserver, kube-controller-manager and versitygw from the Go module proxy',
    'install Go 1.25 or newer (https://go.dev/doc/install) and put it on PATH, or set GO=/path/to/go',
  );
}

function run(cmd: string, args: string[], cwd: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) =>
      reject(new HarnessError(`could not run ${cmd}: ${err.message}`, 'check that Go is installed')),
    );
    child.on('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new HarnessError(
            `go ${args[0]} failed in ${cwd} (exit ${code}):\n${output.trim()}`,
            'the Go module proxy must be reachable (GOPROXY) and the machine needs a C-free Go toolchain ≥ 1.25; see the output above for the failing package',
          ),
        );
    });
  });
}

function capture(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}`))));
  });
}

async function allExecutable(paths: string[]): Promise<boolean> {
  try {
    await Promise.all(paths.map((p) => access(p, constants.X_OK)));
    return true;
  } catch {
    return false;
  }
}

/** A cross-process lock: mkdir is atomic. A lock older than two hours is taken as abandoned. */
async function lock(path: string, log: BuildLog): Promise<() => Promise<void>> {
  let announced = false;
  for (;;) {
    try {
      await mkdir(path);
      return () => rm(path, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - (await stat(path).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > 2 * 3600_000) {
        await rm(path, { recursive: true, force: true });
        continue;
      }
      if (!announced) log(`waiting for another build holding ${path}`);
      announced = true;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}
