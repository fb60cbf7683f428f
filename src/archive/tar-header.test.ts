import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { BLOCK_SIZE, entryLength, headerLength, writeFileHeader } from './tar-header.ts';

/** One entry (headers + content + padding) followed by the end-of-archive blocks. */
function tarOf(path: string, content: string, mtime = 1_777_000_000): Buffer {
  const size = Buffer.byteLength(content);
  const block = Buffer.alloc(entryLength(path, size) + 2 * BLOCK_SIZE);
  const at = writeFileHeader(block, 0, path, size, mtime);
  block.write(content, at, 'utf8');
  return block;
}

async function readBack(
  tar: Buffer,
): Promise<{ name: string; mode?: number; body: string; type?: string }[]> {
  const out: { name: string; mode?: number; body: string; type?: string }[] = [];
  const ex = extract();
  Readable.from([tar]).pipe(ex);
  for await (const entry of ex) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    out.push({
      name: entry.header.name,
      mode: entry.header.mode,
      type: entry.header.type,
      body: Buffer.concat(chunks).toString(),
    });
  }
  return out;
}

const field = (b: Buffer, at: number, len: number) => b.subarray(at, at + len).toString('latin1');

describe('tar headers as Go archive/tar writes them', () => {
  it('writes the fixed USTAR fields byte for byte', () => {
    const tar = tarOf('resources/pods/namespaces/a/p.json', '{}');
    expect(field(tar, 100, 8)).toBe('0000755\0');
    expect(field(tar, 108, 8)).toBe('0000000\0');
    expect(field(tar, 116, 8)).toBe('0000000\0');
    expect(field(tar, 124, 12)).toBe('00000000002\0');
    expect(field(tar, 136, 12)).toBe(`${(1_777_000_000).toString(8)}\0`);
    expect(field(tar, 156, 1)).toBe('0');
    expect(field(tar, 257, 8)).toBe('ustar\u000000');
    expect(field(tar, 265, 64)).toBe('\0'.repeat(64)); // uname, gname
    expect(field(tar, 329, 16)).toBe('0000000\u00000000000\0');
    let sum = 8 * 32;
    for (let i = 0; i < BLOCK_SIZE; i++) if (i < 148 || i >= 156) sum += tar[i]!;
    expect(field(tar, 148, 8)).toBe(`${sum.toString(8).padStart(6, '0')}\0 `);
  });

  it.each([
    ['a 100-byte path in the name field', `resources/${'x'.repeat(85)}.json`, 512],
    ['a longer path split into prefix and name', `resources/${'p'.repeat(120)}/${'n'.repeat(95)}.json`, 512],
    ['a name longer than 100 bytes in PAX', `resources/x/${'n'.repeat(101)}`, 512 * 3],
    ['a prefix longer than 155 bytes in PAX', `${'p'.repeat(160)}/${'n'.repeat(60)}`, 512 * 3],
    ['a non-ASCII path in PAX', 'resources/x/cluster/é.json', 512 * 3],
  ])('stores %s, read back intact', async (_what, path, header) => {
    expect(headerLength(path)).toBe(header);
    const [entry, ...rest] = await readBack(tarOf(path, '{"a":1}'));
    expect(rest).toEqual([]);
    expect(entry).toEqual({ name: path, mode: 0o755, type: 'file', body: '{"a":1}' });
  });

  it('counts the PAX record length including its own digits (98 → 101 bytes)', async () => {
    // " path=" + path + "\n" is 98 bytes when the path is 91 bytes long; the record is "101 path=…\n".
    const path = `${'é'.repeat(10)}${'a'.repeat(71)}`;
    expect(Buffer.byteLength(` path=${path}\n`)).toBe(98);
    const tar = tarOf(path, 'x');
    expect(tar.subarray(BLOCK_SIZE, BLOCK_SIZE + 4).toString()).toBe('101 ');
    expect((await readBack(tar))[0]?.name).toBe(path);
  });

  it('refuses sizes a USTAR header cannot hold', () => {
    expect(() => writeFileHeader(Buffer.alloc(512), 0, 'a', 8 * 1024 ** 3, 0)).toThrow(RangeError);
  });
});
