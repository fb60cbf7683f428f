/**
 * Runs a module in this process and, at exit, writes its peak RSS, wall and CPU time as JSON to the
 * file named by LIFEBOAT_BENCH_REPORT. Usage: node bench/measured.ts <module.ts> [args...]
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [, , modulePath, ...args] = process.argv;
if (modulePath === undefined) throw new Error('usage: measured.ts <module> [args...]');
const report = process.env['LIFEBOAT_BENCH_REPORT'];
const started = performance.now();
process.on('exit', (code) => {
  if (report === undefined) return;
  writeFileSync(
    report,
    JSON.stringify({
      code,
      wallMs: performance.now() - started,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      cpuMs: (process.resourceUsage().userCPUTime + process.resourceUsage().systemCPUTime) / 1000,
    }),
  );
});
process.argv = [process.argv[0]!, resolve(modulePath), ...args];
await import(pathToFileURL(resolve(modulePath)).href);
