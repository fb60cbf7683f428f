import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GoComponent } from './components.ts';

/** ~/.cache/lifeboat, or $LIFEBOAT_CACHE_DIR, or $XDG_CACHE_HOME/lifeboat. */
export function cacheDir(): string {
  const explicit = process.env['LIFEBOAT_CACHE_DIR'];
  if (explicit !== undefined && explicit !== '') return explicit;
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'lifeboat');
}

export function componentBinDir(component: GoComponent): string {
  return join(cacheDir(), 'bin', `${component.name}-${component.version}`);
}

export const harnessDir = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(harnessDir, '..', '..');
