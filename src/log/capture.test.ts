import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { captureLogs } from './capture.ts';
import { createLogger } from './logger.ts';

const lines = (gz: Buffer) =>
  gunzipSync(gz)
    .toString('utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { level: number; msg: string; backup?: string; password?: string });

describe('captureLogs', () => {
  it('keeps every record from info up, in order and redacted, across many batches', async () => {
    const printed: string[] = [];
    const parent = createLogger({
      format: 'json',
      level: 'warn',
      destination: { write: (line: string) => void printed.push(line) },
    });
    const log = captureLogs(parent, { backup: 'b1' });
    log.logger.debug('not kept');
    for (let i = 0; i < 3000; i++) log.logger.info({ i, password: 'hunter2' }, `item ${i} ${'x'.repeat(40)}`);
    log.logger.warn('last');
    const kept = lines(await log.finish());
    expect(kept).toHaveLength(3001); // ~250 KiB of records: several batches
    expect(kept.map((r) => r.msg.split(' ')[1])).toEqual([
      ...Array.from({ length: 3000 }, (_, i) => `${i}`),
      undefined,
    ]);
    expect(kept.at(-1)!.msg).toBe('last');
    expect(kept.every((r) => r.backup === 'b1' && r.password !== 'hunter2')).toBe(true);
    expect(printed).toHaveLength(1); // the terminal still gets warn and up, as it comes
  });
});
