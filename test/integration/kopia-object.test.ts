import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BUZHASH_TABLE } from '../../src/volumedata/kopia/object/buzhash-table.ts';
import { createSplitter } from '../../src/volumedata/kopia/object/splitter.ts';
import { runOracle } from '../helpers/kopia.ts';

// kopia's object layer against kopia's own packages (kopia-oracle, oracle/object.go).

/** Segment ends as the oracle prints them: one per line, then `end <length>`. */
function splitWithLifeboat(name: string, data: Buffer, chunk: number): string {
  const splitter = createSplitter(name);
  const lines: string[] = [];
  let position = 0;
  for (let start = 0; start < data.length; start += chunk) {
    let piece = data.subarray(start, Math.min(start + chunk, data.length));
    while (piece.length > 0) {
      const n = splitter.nextSplitPoint(piece);
      if (n < 0) {
        position += piece.length;
        break;
      }
      position += n;
      lines.push(String(position));
      piece = piece.subarray(n);
    }
  }
  if (data.length > 0) lines.push(`end ${data.length}`);
  return lines.map((line) => `${line}\n`).join('');
}

describe('splitter', () => {
  it('embeds the buzhash32 table kopia builds (GenerateHashes(1))', async () => {
    const table = (await runOracle('buzhash-table')).toString().trim().split('\n').map(Number);
    expect(table).toEqual([...BUZHASH_TABLE]);
  });

  it('cuts random data where kopia cuts it, whatever the chunk sizes fed', async () => {
    const data = randomBytes(6 << 20);
    for (const [name, chunk] of [
      ['DYNAMIC-128K-BUZHASH', data.length],
      ['DYNAMIC-128K-BUZHASH', 1],
      ['DYNAMIC-128K-BUZHASH', 63],
      ['DYNAMIC-256K-BUZHASH', 65_537],
      ['DYNAMIC-1M-BUZHASH', 1 << 20],
      ['FIXED-128K', 4093],
      ['FIXED', 1 << 20],
    ] as const) {
      const expected = (await runOracle('split', [name, String(chunk)], data)).toString();
      expect(splitWithLifeboat(name, data, chunk), `${name} fed in ${chunk}-byte chunks`).toBe(expected);
    }
  }, 120_000);

  it('cuts at the maximum when no boundary comes, and keeps the hash across segments', async () => {
    // Zeros never hit a boundary (the window's hash is constant): every cut is forced at the maximum.
    const zeros = Buffer.alloc((1 << 20) + 12_345);
    const repeated = Buffer.concat([randomBytes(300_000), zeros, randomBytes(700_000)]);
    for (const data of [zeros, repeated]) {
      for (const name of ['DYNAMIC-128K-BUZHASH', 'DYNAMIC-512K-BUZHASH']) {
        const expected = (await runOracle('split', [name, '100000'], data)).toString();
        expect(splitWithLifeboat(name, data, 100_000)).toBe(expected);
      }
    }
  });

  it('cuts the default (DYNAMIC-4M-BUZHASH) where kopia does on 40 MiB', async () => {
    const data = randomBytes(40 << 20);
    const expected = (await runOracle('split', ['DYNAMIC-4M-BUZHASH', '1048576'], data)).toString();
    expect(splitWithLifeboat('DYNAMIC-4M-BUZHASH', data, 1 << 20)).toBe(expected);
  }, 120_000);
});
