#!/usr/bin/env -S node --max-semi-space-size=8
// The young generation V8 sizes from the machine's memory (up to ~200 MB here) is far more than a CLI
// that streams a cluster needs: 8 MB semi-spaces keep peak memory about 120 MB lower (see bench/).
import { CommanderError } from 'commander';
import { ExitCode, reportError } from './errors/index.ts';
import { buildProgram } from './cli/program.ts';

/** The lifeboat command: parse, run, and map whatever went wrong to one message and exit code. */
async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
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
