/**
 * Container images for the real test nodes, built locally as docker-archive tarballs (what
 * `ctr images import` reads): no registry is reachable from the machine, so nothing is pulled.
 */
import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { pack } from 'tar-stream';

/** One entry of an image's single layer. Paths are relative to the image root, without a leading '/'. */
export type LayerEntry =
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'file'; path: string; mode?: number; content: Buffer }
  | { type: 'host-file'; path: string; mode?: number; source: string }
  | { type: 'symlink'; path: string; target: string };

export interface ImageSpec {
  /** The reference the image is imported under, e.g. `registry.local/busybox:1`. */
  ref: string;
  entries: LayerEntry[];
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  user?: string;
  workingDir?: string;
}

/** Writes `spec` as a docker-archive tarball (manifest.json, config, one uncompressed layer). */
export async function writeImageArchive(spec: ImageSpec, path: string): Promise<void> {
  const layer = await tarOf(await resolveEntries(spec.entries));
  const diffId = `sha256:${sha256(layer)}`;
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '1970-01-01T00:00:00Z',
      config: {
        Env: spec.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        ...(spec.entrypoint === undefined ? {} : { Entrypoint: spec.entrypoint }),
        ...(spec.cmd === undefined ? {} : { Cmd: spec.cmd }),
        ...(spec.user === undefined ? {} : { User: spec.user }),
        WorkingDir: spec.workingDir ?? '/',
      },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: '1970-01-01T00:00:00Z', created_by: 'lifeboat test harness' }],
    }),
  );
  const configName = `${sha256(config)}.json`;
  const layerName = `${sha256(layer)}/layer.tar`;
  const manifest = Buffer.from(
    JSON.stringify([{ Config: configName, RepoTags: [spec.ref], Layers: [layerName] }]),
  );
  const archive = await tarOf([
    { type: 'file', path: configName, content: config },
    { type: 'dir', path: sha256(layer) },
    { type: 'file', path: layerName, content: layer },
    { type: 'file', path: 'manifest.json', content: manifest },
  ]);
  await writeFile(path, archive);
}

type ResolvedEntry = Exclude<LayerEntry, { type: 'host-file' }>;

async function resolveEntries(entries: LayerEntry[]): Promise<ResolvedEntry[]> {
  const resolved: ResolvedEntry[] = [];
  for (const entry of entries) {
    if (entry.type !== 'host-file') {
      resolved.push(entry);
      continue;
    }
    const mode = entry.mode ?? (await stat(entry.source)).mode & 0o7777;
    resolved.push({ type: 'file', path: entry.path, mode, content: await readFile(entry.source) });
  }
  return resolved;
}

function tarOf(entries: ResolvedEntry[]): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (chunk: unknown) => {
    if (Buffer.isBuffer(chunk)) chunks.push(chunk);
  });
  const done = new Promise<Buffer>((resolve, reject) => {
    tar.on('end', () => resolve(Buffer.concat(chunks)));
    tar.on('error', reject);
  });
  const mtime = new Date(0);
  for (const entry of entries) {
    const name = entry.path.replace(/^\/+/, '');
    if (entry.type === 'dir') tar.entry({ name, type: 'directory', mode: entry.mode ?? 0o755, mtime });
    else if (entry.type === 'symlink')
      tar.entry({ name, type: 'symlink', linkname: entry.target, mode: 0o777, mtime });
    else tar.entry({ name, type: 'file', mode: entry.mode ?? 0o644, mtime }, entry.content);
  }
  tar.finalize();
  return done;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The directories every parent of `paths` needs, outermost first (a layer lists them before files). */
export function parentDirs(paths: string[]): LayerEntry[] {
  const dirs = new Set<string>();
  for (const path of paths) {
    const parts = path.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return [...dirs].sort((a, b) => a.length - b.length).map((path) => ({ type: 'dir', path }));
}
