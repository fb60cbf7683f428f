import { createGzip } from 'node:zlib';
import { pino, type Logger, type DestinationStream, type LevelWithSilent } from 'pino';
import { loggerOptions } from './logger.ts';

export interface CapturedLog {
  /** Logs to the parent's destination and, from info up, into the capture. */
  logger: Logger;
  /** Ends the capture: the gzip of every captured record, one JSON object a line. */
  finish(): Promise<Buffer>;
}

/**
 * A logger for one operation (a backup, a restore) whose records are also kept, gzipped, to be
 * stored with it as <name>-logs.gz. Records pass the same redaction as every lifeboat log.
 */
export function captureLogs(parent: Logger, bindings: Record<string, string>): CapturedLog {
  const gzip = createGzip();
  const chunks: Buffer[] = [];
  gzip.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    gzip.on('end', () => resolve(Buffer.concat(chunks)));
    gzip.on('error', reject);
  });
  // Records reach gzip in 64 KiB batches, not one compression job per line.
  let pending: string[] = [];
  let pendingBytes = 0;
  const flush = () => {
    if (pending.length === 0) return;
    gzip.write(pending.join(''));
    pending = [];
    pendingBytes = 0;
  };
  const batched: DestinationStream = {
    write(line: string) {
      pending.push(line);
      pendingBytes += line.length;
      if (pendingBytes >= 64 * 1024) flush();
    },
  };
  const parentStream = (parent as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym];
  const streams: pino.StreamEntry[] = [{ level: 'info', stream: batched }];
  if (parentStream !== undefined && parent.level !== 'silent') {
    streams.push({ level: parent.level as pino.Level, stream: parentStream });
  }
  const level: LevelWithSilent =
    parent.level === 'silent' || parent.levelVal > 30 ? 'info' : (parent.level as LevelWithSilent);
  const logger = pino(loggerOptions(level), pino.multistream(streams)).child(bindings);
  return {
    logger,
    finish: () => {
      flush();
      gzip.end();
      return done;
    },
  };
}
