/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self and inclusive time per function, and self time
 * per area of the code (list + parse, goMarshal, tar, HTTP/TLS, GC...), to see where a run goes.
 * Main thread only: gzip runs on libuv's thread pool and shows up as wall time, not here. Frames of
 * the bundled CLI (dist/) are mapped back to their sources through the bundle's source maps, so the
 * areas and names are those of src/ and node_modules/, whichever build was profiled.
 * Usage as a script: node bench/cpuprofile.ts FILE.cpuprofile [top]
 */
import { readFile } from 'node:fs/promises';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { REPO_ROOT } from './common.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Self time by area, descending. */
  areas: { area: string; ms: number; pct: number }[];
  /** Functions by self time, descending. */
  self: { fn: string; ms: number; pct: number }[];
  /** lifeboat's and the libraries' functions by inclusive time, descending. */
  inclusive: { fn: string; ms: number; pct: number }[];
}

const AREAS: [RegExp, string][] = [
  [/^\(garbage collector\)$/, 'GC'],
  [/^\(idle\)$/, 'idle (waiting on I/O)'],
  [/^\(program\)$/, 'V8/native (unattributed)'],
  [
    /src\/gojson\/(go-json|fast-marshal|go-order|parse-json)\.ts/,
    'goMarshal (src/gojson/go-json.ts, fast-marshal.ts, go-order.ts, parse-json.ts)',
  ],
  [
    /src\/kube\/(dynamic|list-body)\.ts/,
    'LIST pages: paging and list bodies (src/kube/dynamic.ts, list-body.ts)',
  ],
  [/src\/kube\//, 'kube client (src/kube)'],
  [/src\/archive\//, 'archive writer (src/archive)'],
  [/src\/(backup|actions)\//, 'collector + item actions (src/backup, src/actions)'],
  [/src\/(store|app)\//, 'store + use cases (src/store, src/app)'],
  [/src\/(log|cli|output)\/|node_modules\/(pino|sonic-boom|thread-stream)/, 'logging + CLI output'],
  [/node_modules\/(tar-stream|streamx|b4a|fast-fifo|text-decoder|bare-)/, 'tar (tar-stream)'],
  [/node:zlib|node:internal\/zlib/, 'gzip (JS side of node:zlib)'],
  [
    /node:(_tls|tls|https|_http|http|net|internal\/tls|internal\/http|internal\/net|internal\/stream_base)/,
    'HTTP/TLS (node)',
  ],
  [/node:internal\/(modules|process\/esm|vm)|node:internal\/deps\/cjs|node:module/, 'module loading'],
  [/node_modules\//, 'other libraries'],
  [/^node:/, 'other node internals'],
];

function areaOf(url: string, fn: string): string {
  const key = url === '' ? fn : url;
  for (const [re, area] of AREAS) if (re.test(key)) return area;
  return url === '' ? 'V8/native (unattributed)' : 'other';
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.startsWith('file://') ? relative(REPO_ROOT, new URL(url).pathname) : url;
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
}

export function summarizeProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfById = new Map<number, number>();
  // timeDeltas[i + 1] is the time from sample i to the next one: attribute it to sample i.
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const id = profile.samples[i]!;
    selfById.set(id, (selfById.get(id) ?? 0) + dt);
  }
  const total = [...selfById.values()].reduce((a, b) => a + b, 0);
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfById) {
    const node = byId.get(id)!;
    self.set(label(node), (self.get(label(node)) ?? 0) + us);
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      if (!/src\/|node_modules\//.test(n.callFrame.url)) continue;
      const l = label(n);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + us);
    }
  }
  const rank = (m: Map<string, number>, key: 'fn' | 'area', n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => ({ [key]: k, ms: Math.round(us / 1000), pct: Math.round((1000 * us) / total) / 10 }));
  return {
    totalMs: Math.round(total / 1000),
    areas: rank(areas, 'area', 100) as ProfileSummary['areas'],
    self: rank(self, 'fn', top) as ProfileSummary['self'],
    inclusive: rank(inclusive, 'fn', top) as ProfileSummary['inclusive'],
  };
}

export async function summarizeProfileFile(path: string, top = 15): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  await mapToSources(profile);
  return summarizeProfile(profile, top);
}

/**
 * Rewrites the frames of bundled files that have a source map (`<file>.map` beside them) to their
 * original file and line; frames of other files, and those a map does not cover, stay as they are.
 */
async function mapToSources(profile: CpuProfile): Promise<void> {
  const maps = new Map<string, SourceMap | undefined>();
  for (const { callFrame: frame } of profile.nodes) {
    if (!frame.url.startsWith('file://') || !frame.url.includes('/dist/')) continue;
    if (!maps.has(frame.url)) maps.set(frame.url, await loadSourceMap(fileURLToPath(frame.url)));
    const entry = maps.get(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber);
    if (entry === undefined || !('originalSource' in entry)) continue;
    const source = entry.originalSource;
    const file = source.startsWith('file://')
      ? fileURLToPath(source)
      : resolve(dirname(fileURLToPath(frame.url)), source);
    frame.url = pathToFileURL(file).href;
    frame.lineNumber = entry.originalLine;
    frame.columnNumber = entry.originalColumn;
  }
}

async function loadSourceMap(file: string): Promise<SourceMap | undefined> {
  try {
    return new SourceMap(JSON.parse(await readFile(`${file}.map`, 'utf8')) as SourceMapPayload);
  } catch {
    return undefined; // no map: the frame keeps its bundled name
  }
}

export function formatProfile(s: ProfileSummary): string {
  const rows = (title: string, items: { name: string; ms: number; pct: number }[]) =>
    [
      title,
      ...items.map((i) => `  ${String(i.ms).padStart(7)} ms ${i.pct.toFixed(1).padStart(5)}%  ${i.name}`),
    ].join('\n');
  return [
    `CPU profile, main thread: ${s.totalMs} ms sampled`,
    rows(
      'self time by area:',
      s.areas.map((a) => ({ name: a.area, ms: a.ms, pct: a.pct })),
    ),
    rows(
      'top functions, self time:',
      s.self.map((a) => ({ name: a.fn, ms: a.ms, pct: a.pct })),
    ),
    rows(
      'top functions, inclusive time:',
      s.inclusive.map((a) => ({ name: a.fn, ms: a.ms, pct: a.pct })),
    ),
  ].join('\n');
}

if (import.meta.main) {
  const [file, top] = process.argv.slice(2);
  if (file === undefined) {
    process.stderr.write('usage: node bench/cpuprofile.ts FILE.cpuprofile [top]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatProfile(await summarizeProfileFile(file, top ? Number(top) : 15))}\n`);
}
