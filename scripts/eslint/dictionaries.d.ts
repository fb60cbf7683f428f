import type { ESLint } from 'eslint';

/** The lifeboat ESLint plugin: its one rule, `dictionaries` (see dictionaries.js). */
declare const plugin: ESLint.Plugin;
export default plugin;
