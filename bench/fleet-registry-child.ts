/**
 * Child of `npm run bench -- fleet`: one ClusterRegistry refresh of the config file given (its
 * registrations probed against real control planes), printed as JSON: the refresh's time and the
 * heap it keeps (config entries and registry rows) after a full GC. Run with --expose-gc.
 */
import { loadConfig } from '../src/config/index.ts';
import { ClusterRegistry } from '../src/app/clusters/index.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const path = process.argv[2];
if (path === undefined) throw new Error('usage: fleet-registry-child.ts CONFIG');
gc();
// Before the config is read: its entries are part of what a server holds per cluster.
const before = process.memoryUsage().heapUsed;
const config = await loadConfig(path);
const registry = new ClusterRegistry({ load: () => Promise.resolve(config) });
const started = performance.now();
const refresh = await registry.refresh();
const refreshMs = performance.now() - started;
gc();
const after = process.memoryUsage().heapUsed;
process.stdout.write(
  `${JSON.stringify({
    clusters: config.clusters?.length ?? 0,
    refreshMs: Math.round(refreshMs),
    retainedHeapMB: Math.round(((after - before) / 1024 / 1024) * 1000) / 1000,
    merged: refresh.clusters.length,
  })}\n`,
);
