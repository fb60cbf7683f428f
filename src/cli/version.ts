import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of lifeboat's package.json (found from src/ or the bundle in dist/bin/), and its version. */
function findPackage(): { root: string; version: string } | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'lifeboat' && typeof pkg.version === 'string')
        return { root: dir, version: pkg.version };
    } catch {
      // not here; look one folder up
    }
    dir = dirname(dir);
  }
  return undefined;
}

/** lifeboat's version, read from the package.json that ships with it. */
export function packageVersion(): string {
  return findPackage()?.version ?? '0.0.0-unknown';
}

/** The folder lifeboat is installed in (a source checkout has scripts/ and test/ there). */
export function packageRoot(): string | undefined {
  return findPackage()?.root;
}
