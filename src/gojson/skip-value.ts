import { isSpace, JSON_BYTE } from './json-bytes.ts';

const { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, COMMA, FAIL, OPEN_ARRAY, OPEN_OBJECT, QUOTE } = JSON_BYTE;

/** Finding where JSON values end in a list body, without parsing or planning them. */

/** The position of the first non-whitespace byte at or after p. */
export function skipSpace(input: Uint8Array, p: number): number {
  while (isSpace(input[p])) p++;
  return p;
}

/**
 * The position after the JSON value starting at input[p] (which must not be whitespace), or -1 when
 * the input ends first. It only follows strings and brackets: the value is parsed later, if at all.
 */
export function skipValue(input: Uint8Array, p: number): number {
  let depth = 0;
  for (;;) {
    const c = input[p];
    if (c === undefined) return FAIL;
    if (c === QUOTE) {
      let from = p + 1;
      for (;;) {
        const q = input.indexOf(QUOTE, from);
        if (q < 0) return FAIL;
        let backslashes = 0;
        while (input[q - 1 - backslashes] === BACKSLASH) backslashes++;
        from = q + 1;
        if ((backslashes & 1) === 0) break;
      }
      p = from;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth++;
      p++;
      continue;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (depth === 0) return FAIL;
      depth--;
      p++;
    } else if (depth > 0) {
      p++;
      continue;
    } else {
      // A scalar at the top: it ends at the next delimiter.
      while (
        p < input.length &&
        input[p] !== COMMA &&
        input[p] !== CLOSE_OBJECT &&
        input[p] !== CLOSE_ARRAY &&
        !isSpace(input[p])
      )
        p++;
      return p;
    }
    if (depth === 0) return p;
  }
}
