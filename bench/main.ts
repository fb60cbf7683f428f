/**
 * `npm run bench -- <benchmark> [options]`: the benchmarks of DESIGN.md §6. Each subcommand lives in
 * its own module and returns an exit code; add new ones to BENCHMARKS.
 */
import { parseArgs } from 'node:util';
import { backupUsage, benchBackup } from './backup.ts';
import { UsageError } from './common.ts';
import { benchFleet, fleetUsage } from './fleet.ts';
import { benchFleetMemory, fleetMemoryUsage } from './fleet-memory-bench.ts';
import { benchGojson, gojsonUsage } from './gojson.ts';
import { benchRestore, restoreUsage } from './restore.ts';
import { benchVolume, volumeUsage } from './volume.ts';

const BENCHMARKS: Record<string, { run: (argv: string[]) => Promise<number>; usage: string }> = {
  backup: { run: benchBackup, usage: backupUsage },
  fleet: { run: benchFleet, usage: fleetUsage },
  'fleet-memory': { run: benchFleetMemory, usage: fleetMemoryUsage },
  gojson: { run: benchGojson, usage: gojsonUsage },
  restore: { run: benchRestore, usage: restoreUsage },
  volume: { run: benchVolume, usage: volumeUsage },
};

const usage = `usage: npm run bench -- <benchmark> [options]

benchmarks:
${Object.values(BENCHMARKS)
  .map((b) => `  ${b.usage.replace(/\n/g, '\n  ')}`)
  .join('\n\n')}`;

async function main(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, strict: false, allowPositionals: true });
  const name = positionals[0];
  if (name === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (name === undefined) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const bench = BENCHMARKS[name];
  if (bench === undefined || argv[0] !== name) {
    process.stderr.write(`bench: unknown benchmark '${name}'\n\n${usage}\n`);
    return 2;
  }
  try {
    return await bench.run(argv.slice(1));
  } catch (err) {
    if (
      err instanceof UsageError ||
      (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      process.stderr.write(`bench ${name}: ${err.message}\n\n${bench.usage}\n`);
      return 2;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv.slice(2));
