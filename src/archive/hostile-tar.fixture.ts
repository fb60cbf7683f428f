/**
 * Test support (imported by tests only): tar streams built block by block, like Velero's
 * pkg/test/tar_writer.go, plus the hostile entries no writer makes — links, devices, PAX and GNU
 * long names, header fields of any value, data that does not match its header.
 */

export const BLOCK = 512;
export const END = Buffer.alloc(2 * BLOCK);

export interface HeaderFields {
  linkname?: string;
  gnu?: boolean;
  /** The 12-byte size field as written (e.g. garbage, or a base-256 number), instead of `size` in octal. */
  rawSize?: Buffer;
}

/** One tar header block as Go's archive/tar writes it (USTAR, octal fields, "%06o\0 " checksum). */
export function header(name: string, size: number, typeflag = '0', opts: HeaderFields = {}): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write('0000755\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  if (opts.rawSize) opts.rawSize.copy(h, 124, 0, 12);
  else h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  h.write('15000000000\0', 136, 'latin1');
  h.write(typeflag, 156, 'latin1');
  if (opts.linkname) h.write(opts.linkname, 157, 100, 'utf8');
  h.write(opts.gnu ? 'ustar  \0' : 'ustar\u000000', 257, 'latin1');
  return withChecksum(h);
}

/** Sets the checksum field of a header block (after any field was changed). */
export function withChecksum(h: Buffer): Buffer {
  h.fill(32, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

export const pad = (data: Buffer): Buffer =>
  Buffer.concat([data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK)]);

export interface Spec {
  name: string;
  data?: string | Buffer;
  type?: string;
  linkname?: string;
  /** A PAX extended header before the entry with these records (`path`, `size`, …). */
  pax?: string | Record<string, string>;
  gnuLong?: string;
}

/** A PAX extended-header body: `"<len> key=value\n"` records, the length counting the whole record. */
export function paxBody(records: Record<string, string>): Buffer {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(records)) {
    const rec = ` ${key}=${value}\n`;
    const bytes = Buffer.byteLength(rec);
    let len = bytes + String(bytes).length;
    if (String(len).length + bytes !== len) len = String(len + 1).length + bytes;
    parts.push(`${len}${rec}`);
  }
  return Buffer.from(parts.join(''));
}

/** A tar stream of the entries, ending with the two zero blocks unless `end` is false. */
export function tar(entries: readonly Spec[], end = true): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '');
    if (e.pax !== undefined) {
      const body = paxBody(typeof e.pax === 'string' ? { path: e.pax } : e.pax);
      blocks.push(header('PaxHeaders.0/x', body.length, 'x'), pad(body));
    }
    if (e.gnuLong !== undefined) {
      const body = Buffer.from(`${e.gnuLong}\0`);
      blocks.push(header('././@LongLink', body.length, 'L', { gnu: true }), pad(body));
    }
    const opts = e.linkname === undefined ? {} : { linkname: e.linkname };
    blocks.push(header(e.name, data.length, e.type ?? '0', opts), pad(data));
  }
  if (end) blocks.push(END);
  return Buffer.concat(blocks);
}
