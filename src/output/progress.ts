/**
 * Progress for long work: a single rewritten status line on a terminal (stderr), or one JSON
 * object a line (stdout) for scripts. Off when neither applies (stderr not a TTY, text output).
 */
export interface ProgressSink {
  /** `line` may be a function: it is built only when the terminal line is actually redrawn. */
  update(fields: object, line: ProgressLine): void;
  done(): void;
}

export type ProgressLine = string | (() => string);

export function createProgress(options: {
  json: boolean;
  stream?: NodeJS.WriteStream;
  minIntervalMs?: number;
}): ProgressSink {
  const stream = options.stream ?? process.stderr;
  if (options.json) {
    return {
      update(fields) {
        process.stdout.write(
          `${JSON.stringify({ type: 'progress', time: new Date().toISOString(), ...fields })}\n`,
        );
      },
      done() {},
    };
  }
  if (!stream.isTTY) return { update() {}, done() {} };
  const minInterval = options.minIntervalMs ?? 100;
  let last = 0;
  let shown = false;
  return {
    update(_fields, lineOf) {
      const now = Date.now();
      if (now - last < minInterval) return;
      last = now;
      const line = typeof lineOf === 'string' ? lineOf : lineOf();
      const width = Math.max(20, (stream.columns || 100) - 1);
      stream.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}

/** `-o json` progress of a backup or restore: at most one line per interval within a phase. */
export const JSON_PROGRESS_INTERVAL_MS = 250;

/**
 * A sink that passes at most one update per interval within a phase (a phase change always passes):
 * for the `-o json` stream of a restore, whose items arrive far faster than anyone reads them.
 */
export function throttledByPhase(
  sink: ProgressSink,
  intervalMs: number,
): { update(fields: { phase: string }, line: ProgressLine): void; done(): void } {
  let lastPhase: string | undefined;
  let last = 0;
  return {
    update(fields, line) {
      const now = Date.now();
      if (fields.phase === lastPhase && now - last < intervalMs) return;
      lastPhase = fields.phase;
      last = now;
      sink.update(fields, line);
    },
    done: () => sink.done(),
  };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 && unit > 0 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
