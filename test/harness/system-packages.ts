/**
 * The Debian packages a real test node runs on (containerd, runc, CNI plugins, busybox for the
 * images, iproute2 for the bridges): installed with apt when the harness runs as root, else named.
 */
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { constants } from 'node:fs';
import { promisify } from 'node:util';
import { HarnessError } from './build.ts';

const run = promisify(execFile);

/** A file each package installs: present means installed. */
export const NODE_PACKAGES: readonly { name: string; provides: string }[] = [
  { name: 'containerd', provides: '/usr/bin/containerd' },
  { name: 'containerd', provides: '/usr/bin/containerd-shim-runc-v2' },
  { name: 'containerd', provides: '/usr/bin/ctr' },
  { name: 'runc', provides: '/usr/sbin/runc' },
  { name: 'busybox-static', provides: '/bin/busybox' },
  { name: 'containernetworking-plugins', provides: '/usr/lib/cni/bridge' },
  { name: 'iproute2', provides: '/usr/sbin/ip' },
];

export const CNI_PLUGIN_DIR = '/usr/lib/cni';

export async function missingNodePackages(): Promise<string[]> {
  const missing = new Set<string>();
  for (const pkg of NODE_PACKAGES) {
    try {
      await access(pkg.provides, constants.X_OK);
    } catch {
      missing.add(pkg.name);
    }
  }
  return [...missing];
}

/**
 * Installs the missing node packages (apt-get update first) when running as root; otherwise fails
 * with the command to run. Returns the packages installed.
 */
export async function ensureNodePackages(log: (line: string) => void = () => {}): Promise<string[]> {
  const missing = await missingNodePackages();
  if (missing.length === 0) return [];
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new HarnessError(
      `real test nodes need the Debian packages ${missing.join(', ')}, which are not installed`,
      `run as root: ${command}`,
    );
  }
  const started = Date.now();
  log(`installing ${missing.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await run('apt-get', ['update', '-qq'], { env, maxBuffer: 16 << 20 });
    await run('apt-get', ['install', '-y', '-qq', ...missing], { env, maxBuffer: 16 << 20 });
  } catch (err) {
    throw new HarnessError(
      `apt-get could not install ${missing.join(', ')}: ${err instanceof Error ? err.message : String(err)}`,
      `check the machine's apt sources and network, then run: ${command}`,
    );
  }
  log(`installed ${missing.join(' ')} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return missing;
}
