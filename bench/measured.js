/**
 * Runs a module in this process and, at exit, writes its peak RSS, wall and CPU time as JSON to the
 * file named by LIFEBOAT_BENCH_REPORT. Usage: node bench/measured.js <module.js> [args...]
 *
 * Plain JavaScript on purpose: a .ts wrapper would load Node's TypeScript stripper into every
 * measured process (≈ 15 MB and 40 ms), which the installed CLI never does.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [, , modulePath, ...args] = process.argv;
if (modulePath === undefined) throw new Error('usage: measured.js <module> [args...]');
const report = process.env['LIFEBOAT_BENCH_REPORT'];
const started = performance.now();
process.on('exit', (code) => {
  if (report === undefined) return;
  const usage = process.resourceUsage();
  writeFileSync(
    report,
    JSON.stringify({
      code,
      wallMs: performance.now() - started,
      maxRssBytes: usage.maxRSS * 1024,
      cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    }),
  );
});
process.argv = [process.argv[0], resolve(modulePath), ...args];
await import(pathToFileURL(resolve(modulePath)).href);
