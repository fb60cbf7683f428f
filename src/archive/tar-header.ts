/**
 * The tar headers of a backup tarball, encoded the way Go's archive/tar writes them for the entries
 * Velero writes (spec/velero-format.md §2.1): a regular file (typeflag '0'), mode 0755, uid/gid 0,
 * empty uname/gname, mtime in whole seconds, octal fields zero-padded and NUL-terminated, the
 * checksum as six octal digits, NUL, space. A path that fits USTAR (ASCII, name ≤ 100 bytes, or
 * split at a '/' into prefix ≤ 155 + name ≤ 100) is stored in the header alone; any other path is
 * carried in a PAX extended header ('x') with a `path` record before it, as Go does.
 *
 * Written here rather than through tar-stream's or node-tar's packers: their per-entry encoders cost
 * 2–3 µs a header (two headers an item), a measurable share of a whole-cluster backup. tar-stream
 * still reads every archive, and the tests read this output with tar-stream, GNU tar and by hand.
 */

export const BLOCK_SIZE = 512;

const MAX_SIZE = 0o77777777777; // 11 octal digits: 8 GiB
const NAME_FIELD = 100;
const PREFIX_FIELD = 155;

/** Mode 0755, uid/gid 0, typeflag '0', "ustar\0" "00", devmajor/devminor 0: every field but the variable ones. */
const FILE_TEMPLATE = template('0');
const PAX_TEMPLATE = template('x', '0000644');
/** The checksum of each template with its checksum field as eight spaces (the variable fields are zero). */
const TEMPLATE_SUMS = new Map([FILE_TEMPLATE, PAX_TEMPLATE].map((t) => [t, byteSum(t) + 8 * 0x20]));

function byteSum(b: Buffer): number {
  let sum = 0;
  for (const byte of b) sum += byte;
  return sum;
}

function template(typeflag: string, mode = '0000755'): Buffer {
  const b = Buffer.alloc(BLOCK_SIZE);
  b.write(`${mode}\0`, 100, 'latin1');
  b.write('0000000\0', 108, 'latin1'); // uid
  b.write('0000000\0', 116, 'latin1'); // gid
  b.write(typeflag, 156, 'latin1');
  b.write('ustar\0', 257, 'latin1');
  b.write('00', 263, 'latin1');
  b.write('0000000\0', 329, 'latin1'); // devmajor
  b.write('0000000\0', 337, 'latin1'); // devminor
  return b;
}

/** The bytes an entry of `size` bytes of content takes, headers and padding included. */
export function entryLength(path: string, size: number): number {
  return headerLength(path) + padded(size);
}

/** 512 for a USTAR header; more when the path needs a PAX header first. */
export function headerLength(path: string): number {
  return ustarSplit(path) === undefined
    ? BLOCK_SIZE + padded(Buffer.byteLength(paxRecord(path))) + BLOCK_SIZE
    : BLOCK_SIZE;
}

export function padded(size: number): number {
  return Math.ceil(size / BLOCK_SIZE) * BLOCK_SIZE;
}

/**
 * Writes the header(s) of a regular file at `offset` of `block`, which must be zero-filled over the
 * headerLength(path) bytes; returns the offset where the content goes.
 */
export function writeFileHeader(
  block: Buffer,
  offset: number,
  path: string,
  size: number,
  mtimeSeconds: number,
): number {
  if (!Number.isInteger(size) || size < 0 || size > MAX_SIZE) {
    throw new RangeError(`a tar entry of ${size} bytes cannot be written (${path})`);
  }
  let at = offset;
  let split = ustarSplit(path);
  if (split === undefined) {
    const record = paxRecord(path);
    const recordBytes = Buffer.byteLength(record);
    writeHeader(block, at, PAX_TEMPLATE, paxHeaderName(path), '', recordBytes, mtimeSeconds);
    block.write(record, at + BLOCK_SIZE, 'utf8');
    at += BLOCK_SIZE + padded(recordBytes);
    split = { name: asciiName(path), prefix: '' }; // what readers without PAX support see
  }
  writeHeader(block, at, FILE_TEMPLATE, split.name, split.prefix, size, mtimeSeconds);
  return at + BLOCK_SIZE;
}

function writeHeader(
  block: Buffer,
  at: number,
  base: Buffer,
  name: string,
  prefix: string,
  size: number,
  mtimeSeconds: number,
): void {
  block.set(base, at); // TypedArray#set: no Buffer#copy argument handling per header
  // The checksum counts its own field as eight spaces; the template's variable fields are zero, so
  // the sum is the template's plus the bytes written (names are single-byte: latin1).
  const sum =
    TEMPLATE_SUMS.get(base)! +
    writeLatin1(block, at, name) +
    writeLatin1(block, at + 345, prefix) +
    writeOctal(block, at + 124, size, 11) +
    writeOctal(block, at + 136, mtimeSeconds, 11);
  writeOctal(block, at + 148, sum, 6);
  block[at + 155] = 0x20; // six digits, NUL, space
}

/** s (one byte a character) at block[at..]; returns the bytes' sum. Names are short: no call into C++. */
function writeLatin1(block: Buffer, at: number, s: string): number {
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    block[at + i] = c;
    sum += c;
  }
  return sum;
}

/** n as `digits` zero-padded octal digits and a NUL at block[at..]; returns the digits' byte sum. */
function writeOctal(block: Buffer, at: number, n: number, digits: number): number {
  let sum = 0;
  let rest = n;
  for (let i = digits - 1; i >= 0; i--) {
    const digit = 0x30 + (rest % 8);
    block[at + i] = digit;
    sum += digit;
    rest = Math.floor(rest / 8);
  }
  block[at + digits] = 0;
  return sum;
}

/** Go's splitUSTARPath: the path as USTAR name (+ prefix), or undefined when it needs PAX. */
function ustarSplit(path: string): { name: string; prefix: string } | undefined {
  // headerLength and writeFileHeader ask about the same path one after the other.
  if (lastSplit.path === path) return lastSplit.split;
  const split = splitOf(path);
  lastSplit = { path, split };
  return split;
}

let lastSplit: { path: string; split: { name: string; prefix: string } | undefined } = {
  path: '',
  split: { name: '', prefix: '' },
};

function splitOf(path: string): { name: string; prefix: string } | undefined {
  // Only ASCII goes into USTAR fields (a path of one-byte characters all below 0x80).
  if (!isAscii(path)) return undefined;
  if (path.length <= NAME_FIELD) return { name: path, prefix: '' };
  const limit = Math.min(path.length - 1, PREFIX_FIELD + 1);
  const slash = path.lastIndexOf('/', limit - 1);
  if (slash <= 0) return undefined;
  const prefix = path.slice(0, slash);
  const name = path.slice(slash + 1);
  if (name === '' || name.length > NAME_FIELD || prefix.length > PREFIX_FIELD) return undefined;
  return { name, prefix };
}

/** Printable ASCII only (0x20..0x7e). */
function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** A PAX record `"<length> path=<path>\n"`, the length counting the whole record in bytes. */
function paxRecord(path: string): string {
  const body = ` path=${path}\n`;
  const bodyBytes = Buffer.byteLength(body);
  let length = bodyBytes + String(bodyBytes).length;
  if (String(length).length > String(bodyBytes).length) length++; // one more digit: 98 → 101
  return `${length}${body}`;
}

/** Go names the extended header `<dir>/PaxHeaders.0/<base>`, truncated to an ASCII 100-byte name. */
function paxHeaderName(path: string): string {
  const slash = path.lastIndexOf('/');
  const dir = slash === -1 ? '.' : path.slice(0, slash);
  const base = path.slice(slash + 1);
  return asciiName(`${dir}/PaxHeaders.0/${base}`);
}

function asciiName(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '').slice(0, NAME_FIELD);
}
