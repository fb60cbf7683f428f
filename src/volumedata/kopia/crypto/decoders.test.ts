import { describe, expect, it } from 'vitest';
import { isLifeboatError } from '../../../errors/index.ts';
import { decompress } from './compression.ts';
import { decodeLz4Stream } from './lz4.ts';
import { decodeS2Stream } from './s2.ts';

// Made with kopia-oracle (kopia v0.22.3): printf '%s' "$TEXT" | kopia-oracle crypto-compress NAME | xxd -p
const TEXT =
  'name: lifeboat-0 name: lifeboat-1 name: lifeboat-2 ' +
  'a'.repeat(70) +
  ' name: lifeboat-0 name: lifeboat-1 xyz';
const KOPIA_COMPRESSED = {
  's2-default':
    '00001200ff06000053327354774f0034000000c68d589f01406e616d653a206c696665626f61742d30203a110000311500080c3220616111021500343e58004a7a000878797a',
  lz4: '0000140004224d186470b938000000fb026e616d653a206c696665626f61742d302011001c3111004f322061610200310c580010301100018b00c06665626f61742d312078797a0000000003f746e0',
  'zstd-fastest':
    '0000110128b52ffd040055010084016e616d653a206c696665626f61742d30203132206178797a05007d24b00504080e1d9ac84ddd5c02ea54d75f',
  gzip: '000010001f8b08000000000000ffca4bcc4db552c8c94c4b4dca4f2cd135504013304417305248a40a4037178bcd15955580000000ffff46ef8cb29f000000',
  'deflate-default': '00001500ca4bcc4db552c8c94c4b4dca4f2cd135504013304417305248a40a50206c734565156000',
};

// lifeboat's own decoders are called directly too: decompress would wrap a stray exception.
const OWN_DECODERS: Record<string, (stream: Buffer, cap: number) => Buffer> = {
  's2-default': decodeS2Stream,
  lz4: decodeLz4Stream,
};

/** Decompresses hostile data: it may succeed (within the cap) or fail with a LifeboatError only. */
function survives(data: Buffer, cap: number, name: string): void {
  const own = OWN_DECODERS[name];
  const attempts = [() => decompress(data, cap)];
  if (own !== undefined) attempts.push(() => own(data.subarray(Math.min(4, data.length)), cap));
  for (const attempt of attempts) {
    try {
      expect(attempt().length).toBeLessThanOrEqual(cap);
    } catch (err) {
      if (!isLifeboatError(err)) throw err;
      expect(['CORRUPT', 'UNSUPPORTED']).toContain(err.code);
    }
  }
}

describe.each(Object.entries(KOPIA_COMPRESSED))('%s from kopia', (name, hex) => {
  const data = Buffer.from(hex, 'hex');

  it('decompresses', () => {
    expect(decompress(data, TEXT.length).toString()).toBe(TEXT);
  });

  it('fails cleanly on every truncation and every flipped bit of every byte', () => {
    for (let n = 0; n < data.length; n++) survives(data.subarray(0, n), TEXT.length, name);
    for (let at = 4; at < data.length; at++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = Buffer.from(data);
        bad[at] = (bad[at] ?? 0) ^ (1 << bit);
        survives(bad, TEXT.length, name);
      }
    }
  });
});
