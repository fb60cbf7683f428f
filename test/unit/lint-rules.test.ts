import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import lifeboat from '../../scripts/eslint/dictionaries.js';

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
  }, 60_000);
});

describe('lifeboat/dictionaries (scripts/eslint/dictionaries.js)', () => {
  it('reports plain-object dictionaries, Object.fromEntries, `in` and z.record on the fixture, and nothing else', async () => {
    const dir = join(fixture, 'dictionaries');
    const eslint = new ESLint({
      cwd: dir,
      overrideConfigFile: true,
      overrideConfig: [
        {
          files: ['**/*.ts'],
          languageOptions: {
            parser: tseslint.parser,
            parserOptions: { project: join(dir, 'tsconfig.json'), tsconfigRootDir: dir },
          },
          plugins: { lifeboat },
          rules: { 'lifeboat/dictionaries': 'error' },
        },
      ],
    });
    const file = join(dir, 'cases.ts');
    const [result] = await eslint.lintFiles([file]);
    const got = result!.messages.map((m) => `${m.line}: ${m.messageId ?? m.message}`);
    const want = readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) => {
        const names = /\/\/ want: (.*)$/.exec(line)?.[1]?.split(', ') ?? [];
        return names.map((name) => `${i + 1}: ${name}`);
      });
    expect(want.length).toBeGreaterThan(5);
    expect(got).toEqual(want);
  }, 60_000);
});
