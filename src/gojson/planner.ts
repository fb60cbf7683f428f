import { asciiBytes, JSON_BYTE, keyIs, plainBytes } from './json-bytes.ts';
import { MEMBER, MemberStack } from './member-stack.ts';
import {
  captureMetadata,
  clearMetadataSpans,
  emptyMetadataSpans,
  type MetadataSpans,
} from './metadata-spans.ts';
import { CHAIN, RangeChain } from './range-chain.ts';
import { scanKey, scanLiteral, scanNumber, scanString } from './scalar-scan.ts';

const { CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, FAIL, MINUS, NINE, OPEN_ARRAY, OPEN_OBJECT, QUOTE, ZERO } =
  JSON_BYTE;
const { INPUT, LITERAL, PLAIN } = CHAIN;
const {
  KEY_START: M_KEY_START,
  KEY_END: M_KEY_END,
  VALUE_END: M_VALUE_END,
  HEAD: M_HEAD,
  TAIL: M_TAIL,
  SOURCE: M_SOURCE,
  STRIDE: M_STRIDE,
} = MEMBER;

/**
 * Go's json.Marshal of a listed API object straight from the API server's bytes, without building
 * the object. The server writes compact JSON with Go's own encoder — the string escaping and the
 * integers Velero's re-marshal would write — but struct fields in declaration order, where Velero's
 * re-marshal of the unstructured object sorts every object's keys (spec/velero-format.md §2.3). So
 * the canonical bytes are the server's bytes with the members of each object put in sorted order:
 * a plan of byte ranges to copy (RangeChain). Subtrees already in order (Go maps, leaves) are copied whole.
 *
 * Only what is provably identical to goMarshal(parseJson(bytes)) is planned: ASCII strings with
 * exactly the escapes Go writes, integers of at most 18 digits (never `-0`), literals, no whitespace,
 * no duplicate keys (scalar-scan.ts). Anything else (a float, a non-ASCII string, a body some other
 * encoder wrote) makes the plan fail, and the caller takes the exact path (parse, then goMarshal).
 */

export type { MetadataSpans } from './metadata-spans.ts';

const KEY_METADATA = asciiBytes('metadata');
const KEY_API_VERSION = asciiBytes('apiVersion');
const KEY_KIND = asciiBytes('kind');

/** Items for the planner's warm-up (see the constructor); the last one is declined (a float). */
const WARM_UP = [
  '{"metadata":{"name":"a","labels":{"k":"v"},"deletionTimestamp":null},"spec":{"z":[1,-2,{}],' +
    '"k:{\\"name\\":\\"b\\"}":{},"k:{\\"name\\":\\"a\\"}":{".":{}},"a":"x\\u003c\\n"},"b":[[],{"y":true,"x":false}]}',
  '{"z":{"b":1,"a":2}}',
  '{"a":1.5}',
].map((text) => plainBytes(Buffer.from(text, 'latin1')));

/** Object kinds for #object: the item, its metadata (spans captured), any other object. */
const ITEM = 0;
const METADATA = 1;
const OTHER = 2;
/** A member of the item left out: the caller sets apiVersion and kind. */
const SKIPPED = 3;

/**
 * Plans canonical bytes item after item (one instance is reused; its working arrays grow to the
 * largest item and stay). plan() returns where the item ends; then size and write() give its bytes.
 */
export class GoJsonPlanner {
  readonly #chain = new RangeChain();
  readonly #members = new MemberStack();
  /** The input as a plain Uint8Array view (see plainBytes); #given is what the caller passed. */
  #input: Uint8Array = new Uint8Array(0);
  #given: Uint8Array = this.#input;
  #literal: Uint8Array = new Uint8Array(0);
  /** Where `"kind"` starts in the literal bytes (`"apiVersion":"…""kind":"…",`), set by setType. */
  #kindAt = 0;
  #head = -1;
  #size = 0;
  /** Set by #object / #array: the chain of the value just scanned (PLAIN when none). */
  #valueHead = PLAIN;
  #valueTail = PLAIN;
  readonly metadata: MetadataSpans = emptyMetadataSpans();

  constructor() {
    // Plans a made-up item once, through the paths real items reach only now and then (escaped
    // keys, a comma taken from the literal bytes, empty containers, escapes in strings): V8 then
    // has seen every path when it optimizes the planner, instead of dropping the optimized code —
    // and recompiling it, ~20 ms of compiler time each — when a rare one comes up mid-backup.
    this.setType('v1', 'Warm');
    for (const sample of WARM_UP) {
      this.plan(sample, 0);
      this.write(new Uint8Array(this.size), 0);
    }
  }

  /** Size in bytes of the last successful plan. */
  get size(): number {
    return this.#size;
  }

  /**
   * The `apiVersion` and `kind` the next plans set at the top of each item (as the dynamic client sets
   * them on listed items): items of one type share these bytes, made once per type or page.
   */
  setType(apiVersion: string, kind: string): void {
    const version = JSON.stringify(apiVersion);
    this.#literal = plainBytes(Buffer.from(`"apiVersion":${version}"kind":${JSON.stringify(kind)},`, 'utf8'));
    this.#kindAt = 13 + Buffer.byteLength(version);
  }

  /**
   * Plans the object starting at input[start], with the apiVersion and kind of setType(). Returns the
   * position after the object, or -1 when its bytes are not plainly canonical (metadata spans are
   * then partial).
   */
  plan(input: Uint8Array, start: number): number {
    this.#head = -1;
    this.#size = 0;
    if (input !== this.#given) {
      this.#given = input;
      this.#input = plainBytes(input);
    }
    this.#chain.clear();
    this.#members.top = 0;
    clearMetadataSpans(this.metadata);
    if (this.#input[start] !== OPEN_OBJECT) return FAIL;
    let stop: number;
    try {
      stop = this.#object(start, ITEM);
    } catch (err) {
      // Nested deeper than the stack allows (thousands of levels): the caller takes the exact path.
      if (err instanceof RangeError) return FAIL;
      throw err;
    }
    if (stop === FAIL) return FAIL;
    this.#head = this.#valueHead;
    this.#size = this.#chain.size(this.#head);
    return stop;
  }

  /** Writes the planned bytes at target[at..at+size). */
  write(target: Uint8Array, at: number): void {
    this.#chain.write(this.#head, target, at, this.#input, this.#literal);
  }

  /** Scans the value at p; returns the position after it or FAIL; #valueHead is its chain or PLAIN. */
  #value(p: number, kind: number): number {
    const c = this.#input[p];
    this.#valueHead = PLAIN;
    if (c === QUOTE) return scanString(this.#input, p);
    if (c === OPEN_OBJECT) return this.#object(p, kind);
    if (c === OPEN_ARRAY) return this.#array(p);
    if (c === MINUS || (c !== undefined && c >= ZERO && c <= NINE)) return scanNumber(this.#input, p);
    return scanLiteral(this.#input, p);
  }

  #array(p: number): number {
    const input = this.#input;
    const chain = this.#chain;
    const open = p;
    p++;
    if (input[p] === CLOSE_ARRAY) {
      this.#valueHead = PLAIN;
      return p + 1;
    }
    // Elements keep their order; only elements with chains need ranges of their own.
    let head = PLAIN;
    let tail = PLAIN;
    let copied = open; // input bytes before this position are in the chain already
    for (;;) {
      const start = p;
      p = this.#value(p, OTHER);
      if (p === FAIL) return FAIL;
      if (this.#valueHead !== PLAIN) {
        if (head === PLAIN) head = tail = chain.newRange(INPUT, copied, start);
        else tail = chain.append(tail, INPUT, copied, start);
        chain.link(tail, this.#valueHead);
        tail = this.#valueTail;
        copied = p;
      }
      const c = input[p];
      if (c === CLOSE_ARRAY) break;
      if (c !== COMMA) return FAIL;
      p++;
    }
    p++;
    if (head !== PLAIN) tail = chain.append(tail, INPUT, copied, p);
    this.#valueHead = head;
    this.#valueTail = tail;
    return p;
  }

  /** An object at p; its chain is built only when it is out of order or holds a chain. */
  #object(p: number, kind: number): number {
    const input = this.#input;
    const members = this.#members;
    const open = p;
    const base = members.top;
    let inOrder = kind !== ITEM;
    let plain = kind !== ITEM;
    let anyComma = -1;
    if (kind === ITEM) this.#pushTypeMembers();
    p++;
    if (input[p] !== CLOSE_OBJECT) {
      for (;;) {
        const keyStart = p;
        if (input[p] !== QUOTE) return FAIL;
        let keyEnd = scanKey(input, p);
        const escaped = keyEnd < FAIL;
        if (escaped) keyEnd = ~keyEnd;
        if (keyEnd === FAIL || input[keyEnd] !== COLON) return FAIL;
        const valueStart = keyEnd + 1;
        const role = kind === ITEM ? itemMemberRole(input, keyStart, keyEnd) : OTHER;
        const valueEnd = this.#value(valueStart, role === METADATA ? METADATA : OTHER);
        if (valueEnd === FAIL) return FAIL;
        if (kind === METADATA) captureMetadata(this.metadata, input, keyStart, keyEnd, valueStart, valueEnd);
        if (role !== SKIPPED) {
          const previous = members.top - M_STRIDE;
          members.push(INPUT, keyStart, keyEnd, valueEnd, this.#valueHead, this.#valueTail, escaped);
          if (this.#valueHead !== PLAIN) plain = false;
          if (previous >= base) {
            const order = members.compare(previous, previous + M_STRIDE, input, this.#literal);
            if (order === 0) return FAIL; // a duplicate key: Go would keep only the last one
            if (order > 0) inOrder = plain = false;
          }
        }
        const c = input[valueEnd];
        p = valueEnd + 1;
        if (c === CLOSE_OBJECT) break;
        if (c !== COMMA) return FAIL;
        anyComma = valueEnd;
      }
    } else {
      p++;
    }
    if (plain) {
      members.top = base;
      this.#valueHead = PLAIN;
      return p;
    }
    return this.#objectChain(open, p, base, inOrder, anyComma);
  }

  /** The two members the caller sets: `"apiVersion":"…"` and `"kind":"…"` from the literal bytes. */
  #pushTypeMembers(): void {
    const kindAt = this.#kindAt;
    this.#members.push(LITERAL, 0, 12, kindAt, PLAIN, PLAIN, false);
    this.#members.push(LITERAL, kindAt, kindAt + 6, this.#literal.length - 1, PLAIN, PLAIN, false);
  }

  /**
   * The chain of the object [open, end) whose members are on the stack from base: `{`, the members in
   * Go's order with commas between, `}`. Returns end, or FAIL for a duplicate key.
   */
  #objectChain(open: number, end: number, base: number, inOrder: boolean, anyComma: number): number {
    const input = this.#input;
    const chain = this.#chain;
    const count = (this.#members.top - base) / M_STRIDE;
    const order = this.#members.sorted(base, count, inOrder, input, this.#literal);
    if (order === undefined) return FAIL;
    // Adjacent input ranges merge: a member is followed by its own comma when it has one, so members
    // still in order stay one range.
    const members = this.#members.records;
    const head = chain.newRange(INPUT, open, open + 1);
    let tail = head;
    let previousEnd = -1;
    for (let i = 0; i < count; i++) {
      const m = order[i]!;
      if (i > 0) {
        const comma = previousEnd >= 0 && input[previousEnd] === COMMA ? previousEnd : anyComma;
        if (comma >= 0) tail = chain.append(tail, INPUT, comma, comma + 1);
        else tail = chain.append(tail, LITERAL, this.#literal.length - 1, this.#literal.length);
      }
      const source = members[m + M_SOURCE]!;
      previousEnd = source === INPUT ? members[m + M_VALUE_END]! : -1;
      const keyStart = members[m + M_KEY_START]!;
      const valueEnd = members[m + M_VALUE_END]!;
      const valueHead = members[m + M_HEAD]!;
      if (valueHead === PLAIN) {
        tail = chain.append(tail, source, keyStart, valueEnd);
      } else {
        tail = chain.append(tail, INPUT, keyStart, members[m + M_KEY_END]! + 1);
        chain.link(tail, valueHead);
        tail = members[m + M_TAIL]!;
      }
    }
    const close = end - 1;
    tail = chain.append(tail, INPUT, close, close + 1);
    this.#members.top = base;
    this.#valueHead = head;
    this.#valueTail = tail;
    return end;
  }
}

/** What a member of the item is to the plan: its metadata, one the caller sets (SKIPPED), or OTHER. */
function itemMemberRole(input: Uint8Array, keyStart: number, keyEnd: number): number {
  if (keyIs(input, keyStart, keyEnd, KEY_METADATA)) return METADATA;
  return keyIs(input, keyStart, keyEnd, KEY_API_VERSION) || keyIs(input, keyStart, keyEnd, KEY_KIND)
    ? SKIPPED
    : OTHER;
}
