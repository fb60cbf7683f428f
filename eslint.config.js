import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import lifeboat from './scripts/eslint/dictionaries.js';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      'no-duplicate-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Outside names never reach Object.prototype (scripts/eslint/dictionaries.js says how).
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    plugins: { lifeboat },
    rules: { 'lifeboat/dictionaries': 'error' },
  },
  {
    // Small modules, short functions (ARCHITECTURE.md). Declarative schema builders are excepted
    // where they are, with an eslint-disable comment that says so.
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/**/*.test.ts', 'src/**/testing.ts', 'src/**/*.contract.ts'],
    rules: {
      'max-lines': ['error', { max: 350 }],
      'max-lines-per-function': ['error', { max: 80 }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
);
