import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HarnessEnv } from '../harness/harness.ts';
import { isAlive } from '../harness/processes.ts';

const root = join(import.meta.dirname, '..', '..');

function harness(...args: string[]) {
  return spawnSync(process.execPath, [join(root, 'test', 'harness', 'cli.ts'), ...args], {
    encoding: 'utf8',
    timeout: 300_000,
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm run harness -- up / down', () => {
  it('starts components in the background, writes env.json, and leaves nothing behind after down', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-harness-cli-'));
    try {
      const started = harness('up', '--state-dir', dir, '--clusters', 'solo', '--s3', '--azure');
      expect(started.status, started.stderr).toBe(0);
      const env = JSON.parse(await readFile(join(dir, 'env.json'), 'utf8')) as HarnessEnv;
      const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as {
        processes: { pid: number; name: string }[];
      };
      expect(Object.keys(env.clusters)).toEqual(['solo']);
      expect(env.s3?.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(env.azure?.blobEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
      expect(state.processes.map((p) => p.name).sort()).toEqual(
        ['azurite', 'solo/etcd', 'solo/kube-apiserver', 'solo/kube-controller-manager', 'versitygw'].sort(),
      );
      const ports = [env.clusters['solo']!.server, env.s3!.endpoint, env.azure!.blobEndpoint].map((u) =>
        Number(new URL(u).port),
      );
      for (const port of ports) expect(await portOpen(port)).toBe(true);
      for (const p of state.processes) expect(isAlive(p.pid)).toBe(true);

      const stopped = harness('down', '--state-dir', dir);
      expect(stopped.status, stopped.stderr).toBe(0);
      for (const p of state.processes) expect(isAlive(p.pid), p.name).toBe(false);
      for (const port of ports) expect(await portOpen(port)).toBe(false);
      expect(harness('down', '--state-dir', dir).status).toBe(0); // idempotent
    } finally {
      harness('down', '--state-dir', dir);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start without --state-dir, with usage', () => {
    const result = harness('up', '--clusters', 'x');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--state-dir is required');
  });
});
