/**
 * `npm run bench -- fleet-memory`: what the fleet costs a server's memory. Each measure is its own function
 * (fleet-memory.ts; takeover and slot overhead are `bench -- fleet`): server RSS with 0, 100 and 500
 * registered idle clusters, and one registry refresh of N clusters. The registrations point at a few
 * real control planes (the harness's, or `--planes` started here) under distinct names.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readEnv } from '../test/harness/harness.ts';
import { buildForBench, machine, parsePositiveInt, table, UsageError, withHarness } from './common.ts';
import {
  type FleetPlanes,
  measureRegistryRefresh,
  measureServerRss,
  perCluster,
  type RegistryRefresh,
  type ServerRss,
} from './fleet-memory.ts';

export const fleetMemoryUsage = `npm run bench -- fleet-memory [options]
  --counts A,B,C       registered clusters per server run (default 0,100,500)
  --planes N           control planes started for the run (default 3)
  --harness-state DIR  use the control planes of a running harness instead
  --settle-s S         idle seconds before RSS is sampled (default 15)
  --no-leases          registrations only: no leader election, Leases or schedule (config reading)
  --no-build           use the dist/bin/lifeboat.js already built
  --json FILE          also write the JSON result to FILE`;

/** Issue 17's target: server memory per registered idle cluster. */
const TARGET_MB_PER_CLUSTER = 2;

interface FleetOptions {
  counts: number[];
  planes: number;
  harnessState: string | undefined;
  settleMs: number;
  build: boolean;
  leases: boolean;
  json: string | undefined;
}

function options(argv: string[]): FleetOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      counts: { type: 'string', default: '0,100,500' },
      planes: { type: 'string', default: '3' },
      'harness-state': { type: 'string' },
      'settle-s': { type: 'string', default: '15' },
      'no-build': { type: 'boolean', default: false },
      'no-leases': { type: 'boolean', default: false },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return undefined;
  const counts = values.counts
    .split(',')
    .map((c) => (c.trim() === '0' ? 0 : parsePositiveInt(c.trim(), '--counts')));
  if (!counts.includes(0)) throw new UsageError('--counts must include 0 (the baseline)');
  return {
    counts: [...new Set(counts)].sort((a, b) => a - b),
    planes: parsePositiveInt(values.planes, '--planes'),
    harnessState: values['harness-state'],
    settleMs: parsePositiveInt(values['settle-s'], '--settle-s') * 1000,
    build: !values['no-build'],
    leases: !values['no-leases'],
    json: values.json,
  };
}

export async function benchFleetMemory(argv: string[]): Promise<number> {
  const o = options(argv);
  if (o === undefined) {
    process.stdout.write(`${fleetMemoryUsage}\n`);
    return 0;
  }
  if (o.build) await buildForBench();
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-bench-fleet-'));
  try {
    return await withPlanes(o, dir, async (planes) => {
      const servers: ServerRss[] = [];
      for (const count of o.counts) servers.push(await measureServerRss(planes, count, o.settleMs, o.leases));
      const refreshes: RegistryRefresh[] = [];
      for (const count of o.counts.filter((c) => c > 0))
        refreshes.push(await measureRegistryRefresh(planes, count));
      return report(o, planes, servers, refreshes);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The harness's control planes, or `planes` of our own, always stopped at the end. */
async function withPlanes<T>(
  o: FleetOptions,
  dir: string,
  fn: (planes: FleetPlanes) => Promise<T>,
): Promise<T> {
  if (o.harnessState !== undefined) {
    const env = await readEnv(o.harnessState);
    return fn({ dir, kubeconfigs: Object.values(env.clusters).map((c) => c.kubeconfig) });
  }
  const names = Array.from({ length: o.planes }, (_, i) => `fleet-${i}`);
  return withHarness(
    { prefix: 'lifeboat-bench-fleet-planes', clusters: names, what: `${o.planes} control planes` },
    ({ env }) => fn({ dir, kubeconfigs: Object.values(env.clusters).map((c) => c.kubeconfig) }),
  );
}

async function report(
  o: FleetOptions,
  planes: FleetPlanes,
  servers: ServerRss[],
  refreshes: RegistryRefresh[],
): Promise<number> {
  const base = servers[0];
  if (base === undefined) throw new Error('no server run');
  const rows = servers.map((s) => [
    String(s.clusters),
    `${s.rssMB} MB`,
    s.clusters === 0 ? '-' : `${perCluster(base, s)} MB`,
  ]);
  process.stdout.write(
    `\nServer RSS by registered idle clusters (${planes.kubeconfigs.length} real control planes, distinct names; ${o.leases ? 'fleet runtime: a Lease, a schedule unit and a listed prefix per cluster' : 'registrations only'})\n`,
  );
  process.stdout.write(`${table([['clusters', 'RSS', 'per cluster'], ...rows])}\n`);
  process.stdout.write(
    '\nRegistry refresh (config read, every registration probed 8 at a time, merged by identity)\n',
  );
  process.stdout.write(
    `${table([
      ['clusters', 'refresh', 'per cluster', 'heap kept', 'kept per added cluster', 'merged rows'],
      ...refreshes.map((r, i) => {
        const prior = refreshes[i - 1];
        const added =
          prior === undefined
            ? r.retainedHeapMB / r.clusters
            : (r.retainedHeapMB - prior.retainedHeapMB) / (r.clusters - prior.clusters);
        return [
          String(r.clusters),
          `${r.refreshMs} ms`,
          `${(r.refreshMs / r.clusters).toFixed(2)} ms`,
          `${r.retainedHeapMB} MB`,
          `${(added * 1024).toFixed(1)} KB`,
          String(r.merged),
        ];
      }),
    ])}\n`,
  );
  const top = servers[servers.length - 1] ?? base;
  const worst = perCluster(base, top);
  const met = worst <= TARGET_MB_PER_CLUSTER;
  process.stdout.write(
    `\nTarget ≤ ${TARGET_MB_PER_CLUSTER} MB per registered idle cluster: ${met ? 'met' : 'MISSED'} (${worst} MB at ${top.clusters})\n`,
  );
  if (o.json !== undefined)
    await writeFile(
      o.json,
      `${JSON.stringify({ machine: machine(), servers, refreshes, perClusterMB: worst }, null, 2)}\n`,
    );
  return met ? 0 : 1;
}
