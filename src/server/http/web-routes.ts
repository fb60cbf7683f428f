import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { PUBLIC } from './route-access.ts';

/**
 * The dashboard's page may load only its own script, style and API, and frame only its own origin
 * (a drill's report, under that report's own policy); nothing may frame it.
 */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/** The files of the dashboard's bundle (scripts/build.ts buildWeb), by the path they are served at. */
const FILES: ReadonlyMap<string, { file: string; type: string }> = new Map([
  ['/', { file: 'index.html', type: 'text/html; charset=utf-8' }],
  ['/assets/app.js', { file: 'assets/app.js', type: 'text/javascript; charset=utf-8' }],
  ['/assets/app.css', { file: 'assets/app.css', type: 'text/css; charset=utf-8' }],
]);

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>lifeboat</title></head>
<body><h1>The dashboard is not built</h1><p>This lifeboat runs from source: run <code>npm run build</code>,
or point LIFEBOAT_WEB_DIR at a folder built with <code>node scripts/build.ts --web-only --outdir DIR</code>.
The API at /api/v1 works without it.</p></body></html>`;

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/**
 * Where the built dashboard is: LIFEBOAT_WEB_DIR when set, else `web/` beside the CLI's bundle
 * (dist/bin/web; this module may sit in dist/bin/chunks). A folder counts only with its script.
 */
async function loadAssets(): Promise<Map<string, Asset> | undefined> {
  const here = dirname(fileURLToPath(import.meta.url));
  const dirs = [process.env['LIFEBOAT_WEB_DIR'], join(here, 'web'), join(here, '..', 'web')];
  for (const dir of dirs) {
    if (dir === undefined || dir === '') continue;
    try {
      const assets = new Map<string, Asset>();
      for (const [path, { file, type }] of FILES) {
        const body = await readFile(join(dir, file));
        assets.set(path, {
          body,
          type,
          etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`,
        });
      }
      return assets;
    } catch {
      continue;
    }
  }
  return undefined;
}

/**
 * The dashboard at `/`: index.html, one script and one style sheet, public (they hold no data: the
 * page asks the API for everything with the token the user signs in with), under a strict CSP.
 * Deep links are fragments (`/#/backups/NAME`), so `/` is the only page.
 */
export function webRoutes(app: FastifyInstance): void {
  let loaded: Promise<Map<string, Asset> | undefined> | undefined;
  for (const path of FILES.keys()) {
    app.get(path, PUBLIC, async (req, reply) => {
      reply.header('content-security-policy', DASHBOARD_CSP);
      reply.header('cache-control', 'no-cache');
      const assets = await (loaded ??= loadAssets());
      const asset = assets?.get(path);
      if (asset === undefined) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
      reply.header('etag', asset.etag);
      if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      return reply.type(asset.type).send(asset.body);
    });
  }
}
