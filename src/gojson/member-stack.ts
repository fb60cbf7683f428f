import { JSON_BYTE } from './json-bytes.ts';
import { CHAIN } from './range-chain.ts';

const { BACKSLASH } = JSON_BYTE;
const { INPUT } = CHAIN;

/**
 * The members of the objects being planned, one record each on a stack shared by nested objects:
 * key [start, end) (with its quotes), where the value ends, the value's chain (PLAIN or head/tail
 * range indexes), whether the key has escapes, and the key's source (INPUT or LITERAL).
 */
const M_KEY_START = 0;
const M_KEY_END = 1;
const M_VALUE_END = 2;
const M_HEAD = 3;
const M_TAIL = 4;
const M_ESCAPED = 5;
const M_SOURCE = 6;
const M_STRIDE = 7;

/** The record layout for the planner, which reads the records (copied into its own constants, see JSON_BYTE). */
export const MEMBER = Object.freeze({
  KEY_START: M_KEY_START,
  KEY_END: M_KEY_END,
  VALUE_END: M_VALUE_END,
  HEAD: M_HEAD,
  TAIL: M_TAIL,
  SOURCE: M_SOURCE,
  STRIDE: M_STRIDE,
});

export class MemberStack {
  /** The records, M_STRIDE numbers each (replaced by a larger array when the stack grows). */
  records = new Int32Array(M_STRIDE * 64);
  /** Where the next record goes. */
  top = 0;
  #order = new Int32Array(64);

  push(
    source: number,
    keyStart: number,
    keyEnd: number,
    valueEnd: number,
    head: number,
    tail: number,
    escaped: boolean,
  ): void {
    if (this.top + M_STRIDE > this.records.length) {
      const grown = new Int32Array(this.records.length * 2);
      grown.set(this.records);
      this.records = grown;
    }
    const m = this.records;
    const at = this.top;
    m[at + M_KEY_START] = keyStart;
    m[at + M_KEY_END] = keyEnd;
    m[at + M_VALUE_END] = valueEnd;
    m[at + M_HEAD] = head;
    m[at + M_TAIL] = tail;
    m[at + M_ESCAPED] = escaped ? 1 : 0;
    m[at + M_SOURCE] = source;
    this.top = at + M_STRIDE;
  }

  /** Go's order of two members' keys: bytewise on the decoded keys (keys only hold \" and \\ escapes). */
  compare(a: number, b: number, input: Uint8Array, literal: Uint8Array): number {
    const m = this.records;
    const sa = m[a + M_SOURCE] === INPUT ? input : literal;
    const sb = m[b + M_SOURCE] === INPUT ? input : literal;
    let i = m[a + M_KEY_START]! + 1;
    const ie = m[a + M_KEY_END]! - 1;
    let j = m[b + M_KEY_START]! + 1;
    const je = m[b + M_KEY_END]! - 1;
    const escapes = m[a + M_ESCAPED] !== 0 || m[b + M_ESCAPED] !== 0;
    while (i < ie && j < je) {
      let x = sa[i]!;
      let y = sb[j]!;
      if (escapes) {
        if (x === BACKSLASH) x = sa[++i]!;
        if (y === BACKSLASH) y = sb[++j]!;
      }
      if (x !== y) return x - y;
      i++;
      j++;
    }
    return (i < ie ? 1 : 0) - (j < je ? 1 : 0);
  }

  /**
   * The records from base in Go's key order (insertion sort: a handful, mostly ordered), or undefined
   * when two keys are equal.
   */
  sorted(
    base: number,
    count: number,
    inOrder: boolean,
    input: Uint8Array,
    literal: Uint8Array,
  ): Int32Array | undefined {
    if (this.#order.length < count) this.#order = new Int32Array(Math.max(count, 2 * this.#order.length));
    const order = this.#order;
    for (let i = 0; i < count; i++) {
      const m = base + i * M_STRIDE;
      let j = i;
      if (!inOrder) {
        for (; j > 0; j--) {
          const c = this.compare(order[j - 1]!, m, input, literal);
          if (c === 0) return undefined;
          if (c < 0) break;
          order[j] = order[j - 1]!;
        }
      }
      order[j] = m;
    }
    return order;
  }
}
