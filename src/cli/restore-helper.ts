import { type Command, Option } from 'commander';
import { waitForRestoredVolumes } from '../app/pod-volumes/index.ts';
import { LifeboatError } from '../errors/index.ts';
import { createLogger, type Logger } from '../log/index.ts';
import { globalOptions, loggerFor } from './globals.ts';
import { onFirstInterrupt } from './interrupt.ts';

/**
 * `lifeboat restore-helper RESTORE_UID`: the command of the restore-wait init container that a
 * restore prepends to pods whose volumes get their data back (Velero's velero-restore-helper).
 */
export function registerRestoreHelperCommand(program: Command): void {
  program
    .command('restore-helper')
    .description(
      "wait until the node agent has restored every volume under /restores (each has .velero/<RESTORE_UID>), remove the markers, exit 0: the restore-wait init container's command",
    )
    .argument('<restore-uid>', 'UID of the restore that injected the init container')
    .addOption(
      new Option('--restores-dir <dir>', 'where the restored volumes are mounted').default('/restores'),
    )
    .action(async (restoreUid: string, opts: { restoresDir: string }, command: Command) => {
      const controller = new AbortController();
      const off = onFirstInterrupt(() => controller.abort());
      try {
        await waitForRestoredVolumes({
          restoreUid,
          restoresDir: opts.restoresDir,
          logger: helperLogger(command),
          signal: controller.signal,
        });
      } catch (err) {
        if (!controller.signal.aborted) throw err;
        throw new LifeboatError('INTERRUPTED', 'restore-helper stopped before every volume was restored', {
          hint: 'the pod restarts the init container; the node agent writes the markers when the data is in place',
        });
      } finally {
        off();
      }
    });
}

/** The init container's log is what `kubectl logs -c restore-wait` shows: info unless asked otherwise. */
function helperLogger(command: Command): Logger {
  if (command.getOptionValueSourceWithGlobals('logLevel') !== 'default') return loggerFor(command);
  return createLogger({ format: globalOptions(command).logFormat, level: 'info' });
}
