import { describe, expect, it } from 'vitest';
import { encodeClientFrame, FrameDecoder, Opcode } from './websocket-frames.ts';

/** A server frame: unmasked, as the API server sends them. */
function serverFrame(opcode: number, data: Buffer, fin = true): Buffer {
  const len = data.length;
  const header =
    len < 126
      ? Buffer.from([(fin ? 0x80 : 0) | opcode, len])
      : len < 65_536
        ? Buffer.from([(fin ? 0x80 : 0) | opcode, 126, len >> 8, len & 0xff])
        : Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode, 127]), u64(len)]);
  return Buffer.concat([header, data]);
}
function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

describe('FrameDecoder', () => {
  it('decodes messages of each length form, split at every byte boundary', () => {
    const small = Buffer.from([1, ...Buffer.from('hello')]);
    const medium = Buffer.alloc(300, 7);
    const large = Buffer.alloc(70_000, 9);
    const stream = Buffer.concat([
      serverFrame(Opcode.binary, small),
      serverFrame(Opcode.binary, medium),
      serverFrame(Opcode.binary, large),
    ]);
    for (const step of [1, 3, 1000, stream.length]) {
      const decoder = new FrameDecoder();
      const got: Buffer[] = [];
      for (let i = 0; i < stream.length; i += step)
        got.push(...decoder.push(stream.subarray(i, i + step)).map((m) => m.data));
      expect(got).toEqual([small, medium, large]);
    }
  });

  it('joins fragments and passes control frames that come between them', () => {
    const decoder = new FrameDecoder();
    const messages = decoder.push(
      Buffer.concat([
        serverFrame(Opcode.binary, Buffer.from('ab'), false),
        serverFrame(Opcode.ping, Buffer.from('p')),
        serverFrame(Opcode.continuation, Buffer.from('cd'), true),
      ]),
    );
    expect(messages).toEqual([
      { opcode: Opcode.ping, data: Buffer.from('p') },
      { opcode: Opcode.binary, data: Buffer.from('abcd') },
    ]);
  });

  it('refuses a frame or a message over its bound instead of buffering it', () => {
    expect(() => new FrameDecoder(1000).push(serverFrame(Opcode.binary, Buffer.alloc(2000)))).toThrow(
      /over the limit/,
    );
    expect(() =>
      new FrameDecoder(1000).push(Buffer.concat([Buffer.from([0x82, 127]), u64(2 ** 40)])),
    ).toThrow(/over the limit/);
    const fragments = new FrameDecoder(1000);
    fragments.push(serverFrame(Opcode.binary, Buffer.alloc(600), false));
    expect(() => fragments.push(serverFrame(Opcode.continuation, Buffer.alloc(600)))).toThrow(
      /over 1000 bytes/,
    );
  });
});

describe('encodeClientFrame', () => {
  it('masks every client frame, and the decoder unmasks it back', () => {
    for (const size of [0, 5, 125, 200, 70_000]) {
      const data = Buffer.alloc(size, 0x41);
      const frame = encodeClientFrame(Opcode.binary, data);
      expect((frame[1] ?? 0) & 0x80).toBe(0x80);
      if (size > 0) expect(frame.includes(data)).toBe(false);
      expect(new FrameDecoder(100_000).push(frame)).toEqual([{ opcode: Opcode.binary, data }]);
    }
  });

  it('refuses control frames over 125 bytes', () => {
    expect(() => encodeClientFrame(Opcode.close, Buffer.alloc(126))).toThrow(/125 bytes/);
  });
});
