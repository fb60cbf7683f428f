#!/usr/bin/env -S node --max-semi-space-size=8 --heap-growing-percent=20
// The young generation V8 sizes from the machine's memory (up to ~200 MB here) is far more than a CLI
// that streams a cluster needs: 8 MB semi-spaces keep peak memory about 120 MB lower (see bench/).
// Letting the old generation grow 20% past what is live before a full collection, instead of V8's
// default of up to 4x, keeps the garbage of a 100k-object run from doubling the heap (restore peak
// 388 → 263 MB at 100k objects, same time). `backup create`, whose heap stays small, hands growth back
// to V8 when it starts (cli/backup.ts).
import { CommanderError } from 'commander';
import { ExitCode, reportError } from './errors/index.ts';
import { buildProgram } from './cli/program.ts';

/** The lifeboat command: parse, run, and map whatever went wrong to one message and exit code. */
async function main(argv: readonly string[]): Promise<number> {
  const program = await buildProgram(argv.slice(2));
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed its own message; help and --version are not failures.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    const report = reportError(err, { debug });
    process.stderr.write(`${report.lines.join('\n')}\n`);
    return report.exitCode;
  }
}

process.exitCode = await main(process.argv);
