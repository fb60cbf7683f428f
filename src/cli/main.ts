import { CommanderError } from 'commander';
import { ExitCode, reportError } from '../errors/index.ts';
import { buildProgram } from './program.ts';

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
