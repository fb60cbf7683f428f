import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import lifeboat from '../../scripts/eslint/dictionaries.js';

const root = join(import.meta.dirname, '..', '..');
const fixture = join(root, 'test', 'fixtures', 'lint');

/** Runs dependency-cruiser with the project's rules over the fixture's src/; returns what it printed. */
function cruiseFixture(): string {
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
  expect(result.status).not.toBe(0);
  return result.stdout + result.stderr;
}

describe('dependency-cruiser import rules (ARCHITECTURE.md)', () => {
  it('rejects a forbidden import and names the rule and the files', () => {
    const output = cruiseFixture();
    expect(output).toContain('archive-may-import');
    expect(output).toContain('src/archive/forbidden.ts');
    expect(output).toContain('src/store/object-store.ts');
    expect(output).not.toContain('src/archive/allowed.ts →');
  }, 60_000);

  it("rejects an import of another folder's inside, and allows its index.ts", () => {
    const output = cruiseFixture();
    expect(output).toMatch(
      /import-a-folder-through-its-index: src\/archive\/deep\.ts → src\/model\/backup\.ts/,
    );
    expect(output).toMatch(
      /import-a-folder-through-its-index: src\/cli\/deep\.ts → src\/app\/backup\/run-backup\.ts/,
    );
    expect(output).not.toContain('src/archive/allowed.ts →');
    expect(output).not.toContain('src/cli/allowed.ts →');
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
