/**
 * The planner's output: a chain of byte ranges [start, end) of a source (the input, or the literal
 * bytes the caller set), linked in output order and kept in parallel typed arrays that grow to the
 * largest item and stay.
 */

/** Where a copied range comes from: the input, or the literal bytes of the members set by the caller. */
const INPUT = 0;
const LITERAL = 1;
/** A value without a chain of its own (plain: its input bytes are copied as they are). */
const PLAIN = -1;

/** The constants above for other modules, which copy them into their own (see JSON_BYTE). */
export const CHAIN: Readonly<{ INPUT: number; LITERAL: number; PLAIN: number }> = Object.freeze({
  INPUT,
  LITERAL,
  PLAIN,
});

export class RangeChain {
  #source = new Uint8Array(256);
  #start = new Int32Array(256);
  #end = new Int32Array(256);
  #next = new Int32Array(256);
  #ranges = 0;

  /** Forgets every range (the arrays stay). */
  clear(): void {
    this.#ranges = 0;
  }

  /** A new one-range chain; returns its index. */
  newRange(source: number, start: number, end: number): number {
    const r = this.#ranges;
    if (r === this.#start.length) this.#grow();
    this.#source[r] = source;
    this.#start[r] = start;
    this.#end[r] = end;
    this.#next[r] = -1;
    this.#ranges = r + 1;
    return r;
  }

  /** Appends a range after tail (extending tail when it ends where the range starts); returns the new tail. */
  append(tail: number, source: number, start: number, end: number): number {
    if (start === end) return tail;
    if (this.#source[tail] === source && this.#end[tail] === start && this.#next[tail] === -1) {
      this.#end[tail] = end;
      return tail;
    }
    const r = this.newRange(source, start, end);
    this.#next[tail] = r;
    return r;
  }

  /** Links the chain starting at head after tail. */
  link(tail: number, head: number): void {
    this.#next[tail] = head;
  }

  /** The number of bytes of the chain from head. */
  size(head: number): number {
    let size = 0;
    for (let r = head; r !== -1; r = this.#next[r]!) size += this.#end[r]! - this.#start[r]!;
    return size;
  }

  /** Writes the chain from head at target[at..]. */
  write(head: number, target: Uint8Array, at: number, input: Uint8Array, literal: Uint8Array): void {
    let to = at;
    for (let r = head; r !== -1; r = this.#next[r]!) {
      const source = this.#source[r] === INPUT ? input : literal;
      let from = this.#start[r]!;
      const stop = this.#end[r]!;
      if (stop - from < 64) {
        while (from < stop) target[to++] = source[from++]!;
      } else {
        target.set(source.subarray(from, stop), to);
        to += stop - from;
      }
    }
  }

  #grow(): void {
    const size = this.#start.length * 2;
    const source = new Uint8Array(size);
    const start = new Int32Array(size);
    const end = new Int32Array(size);
    const next = new Int32Array(size);
    source.set(this.#source);
    start.set(this.#start);
    end.set(this.#end);
    next.set(this.#next);
    this.#source = source;
    this.#start = start;
    this.#end = end;
    this.#next = next;
  }
}
