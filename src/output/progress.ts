/**
 * Progress for long work: a single rewritten status line on a terminal (stderr), or one JSON
 * object a line (stdout) for scripts. Off when neither applies (stderr not a TTY, text output).
 */
export interface ProgressSink {
  update(fields: object, line: string): void;
  done(): void;
}

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
    update(_fields, line) {
      const now = Date.now();
      if (now - last < minInterval) return;
      last = now;
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
