/** The bytes of JSON the planner and the skipping scan look at, and the helpers they share. */

/**
 * The JSON bytes the scans compare against. Each module copies the ones it uses into constants of its
 * own (`const { QUOTE } = JSON_BYTE;`): V8 reads an imported binding from its module cell, with a
 * check that it is initialized, at every use — about a tenth of the planner's time in its loops —
 * where a module's own constant costs nothing.
 */
export const JSON_BYTE = Object.freeze({
  QUOTE: 0x22,
  BACKSLASH: 0x5c,
  COMMA: 0x2c,
  COLON: 0x3a,
  OPEN_OBJECT: 0x7b,
  CLOSE_OBJECT: 0x7d,
  OPEN_ARRAY: 0x5b,
  CLOSE_ARRAY: 0x5d,
  MINUS: 0x2d,
  ZERO: 0x30,
  NINE: 0x39,
  /** Not a byte: what a scan returns when it cannot be planned (or a value does not end). */
  FAIL: -1,
});

/**
 * The bytes as a plain Uint8Array (a view, not a copy). Buffers come with several hidden classes —
 * made by JavaScript, or by Node's C++ for a socket read — and code V8 optimized for one class is
 * thrown away when another arrives: the planner's loops see one class only.
 */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function asciiBytes(s: string): Uint8Array {
  return plainBytes(Buffer.from(s, 'latin1'));
}

/** The key (with its quotes) at [start, end) is exactly name. */
export function keyIs(input: Uint8Array, start: number, end: number, name: Uint8Array): boolean {
  if (end - start - 2 !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (input[start + 1 + i] !== name[i]) return false;
  return true;
}

export function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
