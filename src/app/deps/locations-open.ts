import type { Logger } from '../../log/index.ts';
import type { Location } from '../../model/index.ts';
import { isEmbeddedDefaultFolder, loadConfig, resolveLocation } from '../../config/index.ts';
import { BackupStore, openObjectStore } from '../../store/index.ts';

export interface OpenedLocation {
  location: Location;
  backupStore: BackupStore;
  close(): Promise<void>;
}

/** The named (or default) storage location from the config file, opened as a BackupStore. */
export async function openLocation(
  configPath: string | undefined,
  name: string | undefined,
  logger: Logger,
): Promise<OpenedLocation> {
  const config = await loadConfig(configPath);
  const location = resolveLocation(config, name);
  const store = await openObjectStore(location, { logger, createRoot: isEmbeddedDefaultFolder(location) });
  return {
    location,
    backupStore: new BackupStore(store, location.objectStorage.prefix ?? ''),
    close: () => store.close(),
  };
}
