/**
 * `npm run bench -- gojson`: the two ways a backup turns listed items into stored bytes, in process:
 * GoJsonPlanner straight from the list body's bytes (the hot path), and goMarshal(parseJson(item))
 * (the exact path). Figures are CPU times of whole rounds over the items; median and best of --rounds.
 */
import { parseArgs } from 'node:util';
import { GoJsonPlanner, goMarshal, parseJson, skipSpace } from '../src/gojson/index.ts';
import { machine, MB, median, parsePositiveInt, round, table, UsageError } from './common.ts';
import { listedPages, type ListedPage } from './gojson-items.ts';

export const gojsonUsage = `npm run bench -- gojson [options]
  --items N          listed items per round: ConfigMaps, Secrets and Deployments (default 10000)
  --rounds N         measured rounds of each encoder (default 30, after 5 to warm up)`;

const WARM_UP_ROUNDS = 5;

/** Plans and writes every item of the pages; returns the bytes written. */
function planRound(planner: GoJsonPlanner, pages: readonly ListedPage[], out: Uint8Array): number {
  let bytes = 0;
  for (const page of pages) {
    planner.setType(page.apiVersion, page.kind);
    const body = page.body;
    let p = body.indexOf('"items":[') + 9;
    for (;;) {
      p = skipSpace(body, p);
      if (body[p] === 0x2c) p = skipSpace(body, p + 1);
      if (body[p] === 0x5d) break;
      const end = planner.plan(body, p);
      if (end < 0) throw new Error(`the planner declined a ${page.kind}`);
      planner.write(out, 0);
      bytes += planner.size;
      p = end;
    }
  }
  return bytes;
}

function marshalRound(pages: readonly ListedPage[]): number {
  let bytes = 0;
  for (const page of pages) {
    for (const text of page.texts) bytes += Buffer.byteLength(goMarshal(parseJson(text)));
  }
  return bytes;
}

/** CPU milliseconds of each measured round. */
function measure(rounds: number, run: () => number): { ms: number[]; bytes: number } {
  const ms: number[] = [];
  let bytes = 0;
  for (let r = -WARM_UP_ROUNDS; r < rounds; r++) {
    const before = process.cpuUsage();
    bytes = run();
    const used = process.cpuUsage(before);
    if (r >= 0) ms.push((used.user + used.system) / 1000);
  }
  return { ms, bytes };
}

/** Runs in process and synchronously; the Promise is what BENCHMARKS expects. */
export function benchGojson(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { items: { type: 'string' }, rounds: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const items = parsePositiveInt(values.items ?? '10000', '--items');
  const rounds = parsePositiveInt(values.rounds ?? '30', '--rounds');
  const pages = listedPages(items);
  const planner = new GoJsonPlanner();
  const out = new Uint8Array(1 << 20);
  const results = [
    ['GoJsonPlanner (list body bytes)', measure(rounds, () => planRound(planner, pages, out))],
    ['goMarshal(parseJson(item))', measure(rounds, () => marshalRound(pages))],
  ] as const;
  const m = machine();
  process.stdout.write(
    `${items} items, ${rounds} rounds; node ${m.node}, ${m.cpus} CPUs (${m.cpuModel})\n\n`,
  );
  const rows = results.map(([name, { ms, bytes }]) => {
    const best = Math.min(...ms);
    const mid = median(ms);
    return [
      name,
      `${round(mid, 1)} ms`,
      `${round(best, 1)} ms`,
      `${round(bytes / MB / (mid / 1000), 0)} MB/s`,
    ];
  });
  process.stdout.write(`${table([['encoder', 'median CPU', 'best CPU', 'median rate'], ...rows])}\n`);
  return Promise.resolve(0);
}
