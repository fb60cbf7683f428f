import { JSON_BYTE } from './json-bytes.ts';

const { BACKSLASH, FAIL, MINUS, NINE, QUOTE, ZERO } = JSON_BYTE;

/**
 * The scalars the planner copies as they are: only those whose bytes Go's json.Marshal would write
 * the same after decoding them. Each scan takes the position of the scalar and returns the position
 * after it, or FAIL.
 */

/** Byte classes inside a string: 0 plain, 1 closing quote, 2 backslash, 3 not planned here. */
const STRING_CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  STRING_CLASS[c] = c < 0x20 || c >= 0x80 || c === 0x3c || c === 0x3e || c === 0x26 ? 3 : 0;
}
STRING_CLASS[0x22] = 1;
STRING_CLASS[0x5c] = 2;

/** A string value at p (its opening quote): FAIL when Go would write it differently or it is not plain ASCII. */
export function scanString(input: Uint8Array, p: number): number {
  const end = scanQuoted(input, p, false);
  return end < FAIL ? ~end : end;
}

/**
 * A key at p: like scanString, but the only escapes allowed are \" and \\; the position after a key
 * that holds any comes back as its complement (~end, below FAIL), for the key order to decode them.
 */
export function scanKey(input: Uint8Array, p: number): number {
  return scanQuoted(input, p, true);
}

/** The position after the closing quote (~position when there were escapes), or FAIL. */
function scanQuoted(input: Uint8Array, p: number, key: boolean): number {
  let escaped = false;
  p++;
  for (;;) {
    let cls = STRING_CLASS[input[p]!];
    while (cls === 0) cls = STRING_CLASS[input[++p]!];
    if (cls === 1) return escaped ? ~(p + 1) : p + 1;
    if (cls !== 2) return FAIL; // not planned here, or the input ended
    escaped = true;
    const e = input[p + 1];
    if (e === QUOTE || e === BACKSLASH) {
      p += 2;
    } else if (key) {
      return FAIL;
    } else if (e === 0x6e || e === 0x72 || e === 0x74 || e === 0x62 || e === 0x66) {
      p += 2; // \n \r \t \b \f
    } else if (e === 0x75 && goUnicodeEscape(input, p + 2)) {
      p += 6;
    } else {
      return FAIL;
    }
  }
}

/** An integer Go prints the same after decoding it into int64: no -0, no leading zeros, ≤ 18 digits. */
export function scanNumber(input: Uint8Array, p: number): number {
  const start = p;
  if (input[p] === MINUS) p++;
  const first = p;
  let c = input[p];
  if (c === ZERO) {
    if (p !== start) return FAIL; // -0
    c = input[++p];
  } else {
    while (c !== undefined && c >= ZERO && c <= NINE) c = input[++p];
    if (p === first || p - first > 18) return FAIL;
  }
  if (c === 0x2e || c === 0x65 || c === 0x45 || (c !== undefined && c >= ZERO && c <= NINE)) return FAIL;
  return p;
}

/** true, false or null. */
export function scanLiteral(input: Uint8Array, p: number): number {
  const c = input[p];
  if (c === 0x74 && input[p + 1] === 0x72 && input[p + 2] === 0x75 && input[p + 3] === 0x65) return p + 4;
  if (c === 0x6e && input[p + 1] === 0x75 && input[p + 2] === 0x6c && input[p + 3] === 0x6c) return p + 4;
  if (
    c === 0x66 &&
    input[p + 1] === 0x61 &&
    input[p + 2] === 0x6c &&
    input[p + 3] === 0x73 &&
    input[p + 4] === 0x65
  )
    return p + 5;
  return FAIL;
}

function hexDigit(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= ZERO && c <= NINE) return c - ZERO;
  return c >= 0x61 && c <= 0x66 ? c - 0x61 + 10 : -1; // Go writes lower-case hex
}

/** \uXXXX (p at the four hex digits) as Go writes it: control characters, < > &, U+2028/9. */
function goUnicodeEscape(input: Uint8Array, p: number): boolean {
  const d0 = hexDigit(input[p]);
  const d1 = hexDigit(input[p + 1]);
  const d2 = hexDigit(input[p + 2]);
  const d3 = hexDigit(input[p + 3]);
  if (d0 < 0 || d1 < 0 || d2 < 0 || d3 < 0) return false;
  const code = (d0 << 12) | (d1 << 8) | (d2 << 4) | d3;
  if (code < 0x20) return code !== 0x08 && code !== 0x09 && code !== 0x0a && code !== 0x0c && code !== 0x0d;
  return code === 0x3c || code === 0x3e || code === 0x26 || code === 0x2028 || code === 0x2029;
}
