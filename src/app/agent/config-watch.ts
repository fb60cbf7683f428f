import { type FSWatcher, watch } from 'node:fs';
import { dirname } from 'node:path';
import { configFilePath, loadConfig } from '../../config/index.ts';
import type { Logger } from '../../log/index.ts';

/**
 * The agent following its configuration. Every volume job reads the config file (and the
 * credentials it names) when it starts, so a changed ConfigMap or Secret applies to the next job
 * without restarting the agent, and a job in flight keeps what it started with. The kubelet updates
 * a mounted ConfigMap or Secret by writing a new directory and swapping the `..data` symlink, so a
 * read sees either the old files or the new ones. This watcher only makes the change visible: it
 * watches the file's directory, waits for the writes to settle, reads the file again and logs the
 * locations it now names, or the error that will fail the next jobs until the file is fixed.
 */
export interface ConfigWatch {
  /** How many changes were read so far (valid or not). */
  readonly reloads: number;
  close(): void;
}

export interface ConfigWatchOptions {
  configPath: string | undefined;
  logger: Logger;
  /** Quiet time after the last change before reading (default 500 ms). */
  debounceMs?: number;
  /** Called after each read, with the error when the new file is invalid. */
  onReload?: (error: Error | undefined) => void;
}

export function watchAgentConfig(options: ConfigWatchOptions): ConfigWatch {
  const file = configFilePath(options.configPath);
  const { logger } = options;
  let timer: NodeJS.Timeout | undefined;
  let reloads = 0;
  let last: string | undefined;
  let watcher: FSWatcher | undefined;
  const reload = async () => {
    reloads++;
    try {
      const config = await loadConfig(file);
      const names = config.locations.map((l) => `${l.name}${l.default === true ? ' (default)' : ''}`);
      const summary = names.join(', ') || 'none';
      if (summary !== last)
        logger.info({ file, locations: names }, `configuration changed: locations ${summary}`);
      last = summary;
      options.onReload?.(undefined);
    } catch (err) {
      last = undefined;
      logger.error(
        { file, err },
        `the configuration changed and cannot be used: ${(err as Error).message}; volume work fails until it is fixed`,
      );
      options.onReload?.(err as Error);
    }
  };
  try {
    watcher = watch(dirname(file), { persistent: false }, () => {
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), options.debounceMs ?? 500);
    });
    watcher.on('error', (err) => logger.warn({ err, file }, 'watching the configuration stopped'));
  } catch (err) {
    logger.warn({ err, file }, 'the configuration is not watched; each volume job still reads it');
  }
  return {
    get reloads() {
      return reloads;
    },
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
