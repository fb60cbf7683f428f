import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const fixture = join(root, 'test', 'fixtures', 'lint');

describe('dependency-cruiser import rules (DESIGN.md §3)', () => {
  it('rejects a forbidden import and names the rule and the files', () => {
    const result = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruiser.mjs'),
        'src',
        '--config',
        join(root, '.dependency-cruiser.cjs'),
        '--output-type',
        'err',
      ],
      { cwd: fixture, encoding: 'utf8' },
    );
    const output = result.stdout + result.stderr;
    expect(result.status).not.toBe(0);
    expect(output).toContain('archive-may-import');
    expect(output).toContain('src/archive/forbidden.ts');
    expect(output).toContain('src/store/object-store.ts');
    expect(output).not.toContain('src/archive/allowed.ts →');
  });
});
