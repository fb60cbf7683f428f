import { loadConfig, type LifeboatConfig } from '../config/index.ts';
import type { Logger } from '../log/index.ts';

/** The server's config file as last read: an invalid edit keeps the previous one. */
export class LiveConfig {
  readonly #path: string | undefined;
  readonly #logger: Logger;
  #config: LifeboatConfig;

  private constructor(path: string | undefined, logger: Logger, config: LifeboatConfig) {
    this.#path = path;
    this.#logger = logger;
    this.#config = config;
  }

  /** The first read: an invalid file here stops the server from starting. */
  static async load(path: string | undefined, logger: Logger): Promise<LiveConfig> {
    return new LiveConfig(path, logger, await loadConfig(path));
  }

  get current(): LifeboatConfig {
    return this.#config;
  }

  async refresh(): Promise<void> {
    try {
      this.#config = await loadConfig(this.#path);
    } catch (err) {
      this.#logger.error({ err }, `config file invalid, keeping the previous one: ${String(err)}`);
    }
  }
}
