/**
 * `npm run demo` as a user runs it, as root: its own harness with a real node per cluster, the
 * ledger's database backed up through the source node's agent and restored onto the standby's node.
 * The demo checks the data itself (it fails when the checksums differ); this test reads its report.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function runDemo(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'demo.ts')], {
      cwd: ROOT,
      env: { ...process.env, LIFEBOAT_CONFIG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('npm run demo with data', () => {
  it('restores the ledger onto the standby node with the same sha256, and reports the RTO with data', async () => {
    const { code, out } = await runDemo();
    expect(code, out).toBe(0);
    const before = /ledger\.db sha256 before: ([0-9a-f]{64})/.exec(out)?.[1];
    const after = /ledger\.db sha256 after: +([0-9a-f]{64})/.exec(out)?.[1];
    expect(before, out).toMatch(/^[0-9a-f]{64}$/);
    expect(after).toBe(before);
    expect(out).toContain(`the application logged "VERIFIED ${before}"`);
    expect(out).toMatch(/cold start: \d+\.\d s/);
    expect(out).toMatch(/RTO achieved, data included\): \d+\.\d s/);
    expect(out).toContain('Cleaning up');
  }, 1_200_000);
});
