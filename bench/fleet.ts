/**
 * `npm run bench -- fleet`: the fleet in the server. Each case is one entry of FLEET_CASES and adds
 * rows to one table (add a case to measure more, e.g. RSS per registered cluster):
 * - takeover: replicas share N clusters through their Leases on a private control plane; one is
 *   abandoned as a crash would leave it (no release); how long until the others own all of them;
 * - slot overhead: the scheduler runs N clusters' slots whose backups return at once; wall and CPU
 *   time per slot (scheduling, the concurrency slots, the slot check), not the backups themselves.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createLogger } from '../src/log/index.ts';
import { ClusterLeases } from '../src/server/fleet/index.ts';
import { Scheduler } from '../src/server/scheduler.ts';
import { log, machine, round, table, UsageError, withControlPlane } from './common.ts';

export const fleetUsage = `npm run bench -- fleet [options]
  --clusters N         clusters of the fleet (default 60)
  --replicas N         server replicas sharing them (default 3)
  --lease-duration S   cluster Lease duration in seconds (default 6)
  --json FILE          also write the JSON result to FILE`;

export interface FleetBenchOptions {
  clusters: number;
  replicas: number;
  leaseDurationMs: number;
}

export interface FleetRow {
  case: string;
  figure: string;
  value: number;
  unit: string;
}

export interface FleetCase {
  name: string;
  /** Needs a control plane (its kubeconfig); undefined otherwise. */
  run: (o: FleetBenchOptions, kubeconfig: string | undefined) => Promise<FleetRow[]>;
  needsControlPlane: boolean;
}

const quiet = createLogger({ format: 'json', level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function takeover(o: FleetBenchOptions, kubeconfig: string | undefined): Promise<FleetRow[]> {
  if (kubeconfig === undefined) throw new Error('takeover needs a control plane');
  const fleet = Array.from({ length: o.clusters }, (_, i) => ({ name: `c${i}`, uid: undefined }));
  const replicas = Array.from(
    { length: o.replicas },
    (_, i) =>
      new ClusterLeases({
        kube: { kubeconfig },
        namespace: 'default',
        identity: `bench-${i}`,
        leaseDurationMs: o.leaseDurationMs,
        logger: quiet,
        fleet: () => fleet,
        busy: () => false,
        onLost: () => undefined,
      }),
  );
  const all = (rs: ClusterLeases[]) => new Set(rs.flatMap((r) => r.owned())).size === o.clusters;
  const t0 = performance.now();
  replicas.forEach((r) => r.start());
  while (!all(replicas)) await sleep(50);
  const spreadMs = performance.now() - t0;
  await sleep(o.leaseDurationMs);
  const victim = replicas[0]!;
  const orphaned = victim.owned().length;
  victim.abandon();
  const killed = performance.now();
  const survivors = replicas.slice(1);
  while (!all(survivors)) await sleep(50);
  const takeoverMs = performance.now() - killed;
  await Promise.all(survivors.map((r) => r.stop()));
  log(`takeover: ${orphaned} clusters taken over in ${round(takeoverMs / 1000, 2)} s`);
  return [
    {
      case: 'takeover',
      figure: `first ownership of ${o.clusters} clusters`,
      value: round(spreadMs / 1000, 2),
      unit: 's',
    },
    { case: 'takeover', figure: `clusters of the dead replica`, value: orphaned, unit: 'clusters' },
    {
      case: 'takeover',
      figure: 'all owned again after the crash',
      value: round(takeoverMs / 1000, 2),
      unit: 's',
    },
    { case: 'takeover', figure: 'lease duration', value: o.leaseDurationMs / 1000, unit: 's' },
  ];
}

async function slotOverhead(o: FleetBenchOptions): Promise<FleetRow[]> {
  const schedule = { name: 'bench', schedule: '0 0 1 1 *' };
  const units = Array.from({ length: o.clusters }, (_, i) => ({ schedule, cluster: `c${i}` }));
  let done = 0;
  const scheduler = new Scheduler({
    logger: quiet,
    units: () => units,
    locationOf: (u) => `cluster/${u.cluster ?? ''}`,
    lastRunStart: () => undefined,
    run: () => Promise.reject(new Error('not run')),
    checkSlot: () => Promise.resolve(undefined),
    onResult: () => void done++,
    onSkipped: () => undefined,
    maxPerLocation: 1,
    maxClusterRuns: 4,
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const due = new Date();
  for (const u of units) scheduler.trigger(schedule, due, u.cluster);
  while (done < units.length) await sleep(1);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return [
    {
      case: 'slot overhead',
      figure: `wall per slot (${o.clusters} slots, 4 at a time)`,
      value: round((wallMs * 1000) / o.clusters, 1),
      unit: 'µs',
    },
    {
      case: 'slot overhead',
      figure: 'CPU per slot',
      value: round((cpu.user + cpu.system) / o.clusters, 1),
      unit: 'µs',
    },
  ];
}

export const FLEET_CASES: FleetCase[] = [
  { name: 'slot overhead', run: (o) => slotOverhead(o), needsControlPlane: false },
  { name: 'takeover', run: takeover, needsControlPlane: true },
];

export async function benchFleet(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      clusters: { type: 'string', default: '60' },
      replicas: { type: 'string', default: '3' },
      'lease-duration': { type: 'string', default: '6' },
      json: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const o: FleetBenchOptions = {
    clusters: Number(values.clusters),
    replicas: Number(values.replicas),
    leaseDurationMs: Number(values['lease-duration']) * 1000,
  };
  if (!Number.isInteger(o.clusters) || o.clusters < 1 || !Number.isInteger(o.replicas) || o.replicas < 2)
    throw new UsageError('--clusters must be ≥ 1 and --replicas ≥ 2');
  if (!(o.leaseDurationMs >= 1000)) throw new UsageError('--lease-duration must be ≥ 1 (seconds)');
  const rows: FleetRow[] = [];
  for (const c of FLEET_CASES.filter((x) => !x.needsControlPlane)) rows.push(...(await c.run(o, undefined)));
  await withControlPlane({ keep: false, prefix: 'lifeboat-bench-fleet' }, async (plane) => {
    for (const c of FLEET_CASES.filter((x) => x.needsControlPlane))
      rows.push(...(await c.run(o, plane.kubeconfig)));
  });
  process.stdout.write(
    `${table([['case', 'figure', 'value', 'unit'], ...rows.map((r) => [r.case, r.figure, String(r.value), r.unit])])}\n`,
  );
  if (values.json !== undefined)
    await writeFile(values.json, JSON.stringify({ machine: machine(), options: o, rows }, null, 2));
  return 0;
}
