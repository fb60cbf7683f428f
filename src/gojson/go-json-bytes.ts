/**
 * Go's json.Marshal of a listed API object straight from the API server's bytes, without building
 * the object. The server writes compact JSON with Go's own encoder — the string escaping and the
 * integers Velero's re-marshal would write — but struct fields in declaration order, where Velero's
 * re-marshal of the unstructured object sorts every object's keys (spec/velero-format.md §2.3). So
 * the canonical bytes are the server's bytes with the members of each object put in sorted order:
 * a plan of byte ranges to copy. Subtrees already in order (Go maps, leaves) are copied whole.
 *
 * Only what is provably identical to goMarshal(parseJson(bytes)) is planned: ASCII strings with
 * exactly the escapes Go writes, integers of at most 18 digits (never `-0`), literals, no whitespace,
 * no duplicate keys. Anything else (a float, a non-ASCII string, a body some other encoder wrote)
 * makes the plan fail, and the caller takes the exact path (parse, then goMarshal).
 */

/** Byte classes inside a string: 0 plain, 1 closing quote, 2 backslash, 3 not planned here. */
const STRING_CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  STRING_CLASS[c] = c < 0x20 || c >= 0x80 || c === 0x3c || c === 0x3e || c === 0x26 ? 3 : 0;
}
STRING_CLASS[0x22] = 1;
STRING_CLASS[0x5c] = 2;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

/** Where a copied range comes from: the input, or the literal bytes of the members set by the caller. */
const INPUT = 0;
const LITERAL = 1;

/** A scan that cannot be planned. */
const FAIL = -1;
/** What a scanned value left behind: no chain (plain: copy its input bytes), or a chain of ranges. */
const PLAIN = -1;

// Member records on the member stack: key [start, end) (with its quotes), value [start, end), the
// value's chain (PLAIN or head/tail range indexes), whether the key has escapes, the key's source.
const M_KEY_START = 0;
const M_KEY_END = 1;
const M_VALUE_END = 2;
const M_HEAD = 3;
const M_TAIL = 4;
const M_ESCAPED = 5;
const M_SOURCE = 6;
const M_STRIDE = 7;

/** Value spans read from the item's `metadata` while planning ([start, end) of the JSON value; -1 if absent). */
export interface MetadataSpans {
  nameStart: number;
  nameEnd: number;
  namespaceStart: number;
  namespaceEnd: number;
  labelsStart: number;
  labelsEnd: number;
  /** metadata.deletionTimestamp is set (not absent, not null). */
  deleting: boolean;
}

const KEY_METADATA = asciiBytes('metadata');
const KEY_NAME = asciiBytes('name');
const KEY_NAMESPACE = asciiBytes('namespace');
const KEY_LABELS = asciiBytes('labels');
const KEY_DELETION = asciiBytes('deletionTimestamp');
const KEY_API_VERSION = asciiBytes('apiVersion');
const KEY_KIND = asciiBytes('kind');

function asciiBytes(s: string): Uint8Array {
  return plainBytes(Buffer.from(s, 'latin1'));
}

/**
 * The bytes as a plain Uint8Array (a view, not a copy). Buffers come with several hidden classes —
 * made by JavaScript, or by Node's C++ for a socket read — and code V8 optimized for one class is
 * thrown away when another arrives: the planner's loops see one class only.
 */
function plainBytes(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

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

/**
 * Plans canonical bytes item after item (one instance is reused; its working arrays grow to the
 * largest item and stay). plan() returns where the item ends; then size and write() give its bytes.
 */
export class GoJsonPlanner {
  // The output chain: ranges [start, end) of a source, linked in output order.
  #source = new Uint8Array(256);
  #start = new Int32Array(256);
  #end = new Int32Array(256);
  #next = new Int32Array(256);
  #ranges = 0;
  #members = new Int32Array(M_STRIDE * 64);
  #memberTop = 0;
  #order = new Int32Array(64);
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
  #lastKeyEscaped = false;
  readonly metadata: MetadataSpans = {
    nameStart: -1,
    nameEnd: -1,
    namespaceStart: -1,
    namespaceEnd: -1,
    labelsStart: -1,
    labelsEnd: -1,
    deleting: false,
  };

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
    this.#ranges = 0;
    this.#memberTop = 0;
    const m = this.metadata;
    m.nameStart = m.nameEnd = m.namespaceStart = m.namespaceEnd = m.labelsStart = m.labelsEnd = -1;
    m.deleting = false;
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
    let size = 0;
    for (let r = this.#head; r !== -1; r = this.#next[r]!) size += this.#end[r]! - this.#start[r]!;
    this.#size = size;
    return stop;
  }

  /** Writes the planned bytes at target[at..at+size). */
  write(target: Uint8Array, at: number): void {
    const input = this.#input;
    const literal = this.#literal;
    let to = at;
    for (let r = this.#head; r !== -1; r = this.#next[r]!) {
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

  /** Scans the value at p; returns the position after it or FAIL; #valueHead is its chain or PLAIN. */
  #value(p: number, kind: number): number {
    const c = this.#input[p];
    this.#valueHead = PLAIN;
    if (c === QUOTE) return this.#string(p, false);
    if (c === OPEN_OBJECT) return this.#object(p, kind);
    if (c === OPEN_ARRAY) return this.#array(p);
    if (c === MINUS || (c !== undefined && c >= ZERO && c <= NINE)) return this.#number(p);
    return this.#literalValue(p);
  }

  #array(p: number): number {
    const input = this.#input;
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
        if (head === PLAIN) head = tail = this.#newRange(INPUT, copied, start);
        else tail = this.#append(tail, INPUT, copied, start);
        this.#next[tail] = this.#valueHead;
        tail = this.#valueTail;
        copied = p;
      }
      const c = input[p];
      if (c === CLOSE_ARRAY) break;
      if (c !== COMMA) return FAIL;
      p++;
    }
    p++;
    if (head !== PLAIN) tail = this.#append(tail, INPUT, copied, p);
    this.#valueHead = head;
    this.#valueTail = tail;
    return p;
  }

  /** An object at p; its chain is built only when it is out of order or holds a chain. */
  #object(p: number, kind: number): number {
    const input = this.#input;
    const open = p;
    const base = this.#memberTop;
    let inOrder = kind !== ITEM;
    let plain = kind !== ITEM;
    let anyComma = -1;
    if (kind === ITEM) {
      // The two members the caller sets: `"apiVersion":"…"` and `"kind":"…"` from the literal bytes.
      this.#pushMember(LITERAL, 0, 12, this.#kindAt, PLAIN, PLAIN, false);
      this.#pushMember(
        LITERAL,
        this.#kindAt,
        this.#kindAt + 6,
        this.#literal.length - 1,
        PLAIN,
        PLAIN,
        false,
      );
    }
    p++;
    if (input[p] !== CLOSE_OBJECT) {
      for (;;) {
        const keyStart = p;
        if (input[p] !== QUOTE) return FAIL;
        const keyEnd = this.#string(p, true);
        if (keyEnd === FAIL || input[keyEnd] !== COLON) return FAIL;
        const escaped = this.#lastKeyEscaped;
        const valueStart = keyEnd + 1;
        let childKind = OTHER;
        let skip = false;
        if (kind === ITEM) {
          if (keyIs(input, keyStart, keyEnd, KEY_METADATA)) childKind = METADATA;
          else
            skip =
              keyIs(input, keyStart, keyEnd, KEY_API_VERSION) || keyIs(input, keyStart, keyEnd, KEY_KIND);
        }
        const valueEnd = this.#value(valueStart, childKind);
        if (valueEnd === FAIL) return FAIL;
        if (kind === METADATA) this.#capture(keyStart, keyEnd, valueStart, valueEnd);
        if (!skip) {
          const previous = this.#memberTop - M_STRIDE;
          this.#pushMember(INPUT, keyStart, keyEnd, valueEnd, this.#valueHead, this.#valueTail, escaped);
          if (this.#valueHead !== PLAIN) plain = false;
          if (previous >= base) {
            const order = this.#compare(previous, previous + M_STRIDE);
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
    const close = p - 1;
    if (plain) {
      this.#memberTop = base;
      this.#valueHead = PLAIN;
      return p;
    }
    const count = (this.#memberTop - base) / M_STRIDE;
    const order = this.#sortMembers(base, count, inOrder);
    if (order === undefined) return FAIL;
    // The chain: `{`, the members in order with commas between, `}`. Adjacent input ranges merge:
    // a member is followed by its own comma when it has one, so members still in order stay one range.
    const members = this.#members;
    const head = this.#newRange(INPUT, open, open + 1);
    let tail = head;
    let previousEnd = -1;
    for (let i = 0; i < count; i++) {
      const m = order[i]!;
      if (i > 0) {
        const comma = previousEnd >= 0 && input[previousEnd] === COMMA ? previousEnd : anyComma;
        if (comma >= 0) tail = this.#append(tail, INPUT, comma, comma + 1);
        else tail = this.#append(tail, LITERAL, this.#literal.length - 1, this.#literal.length);
      }
      const source = members[m + M_SOURCE]!;
      previousEnd = source === INPUT ? members[m + M_VALUE_END]! : -1;
      const keyStart = members[m + M_KEY_START]!;
      const valueEnd = members[m + M_VALUE_END]!;
      const valueHead = members[m + M_HEAD]!;
      if (valueHead === PLAIN) {
        tail = this.#append(tail, source, keyStart, valueEnd);
      } else {
        tail = this.#append(tail, INPUT, keyStart, members[m + M_KEY_END]! + 1);
        this.#next[tail] = valueHead;
        tail = members[m + M_TAIL]!;
      }
    }
    tail = this.#append(tail, INPUT, close, close + 1);
    this.#memberTop = base;
    this.#valueHead = head;
    this.#valueTail = tail;
    return p;
  }

  /** The member records from base in Go's key order (insertion sort: a handful, mostly ordered). */
  #sortMembers(base: number, count: number, inOrder: boolean): Int32Array | undefined {
    if (this.#order.length < count) this.#order = new Int32Array(Math.max(count, 2 * this.#order.length));
    const order = this.#order;
    for (let i = 0; i < count; i++) {
      const m = base + i * M_STRIDE;
      let j = i;
      if (!inOrder) {
        for (; j > 0; j--) {
          const c = this.#compare(order[j - 1]!, m);
          if (c === 0) return undefined;
          if (c < 0) break;
          order[j] = order[j - 1]!;
        }
      }
      order[j] = m;
    }
    return order;
  }

  /** A new one-range chain; returns its index. */
  #newRange(source: number, start: number, end: number): number {
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
  #append(tail: number, source: number, start: number, end: number): number {
    if (start === end) return tail;
    if (this.#source[tail] === source && this.#end[tail] === start && this.#next[tail] === -1) {
      this.#end[tail] = end;
      return tail;
    }
    const r = this.#newRange(source, start, end);
    this.#next[tail] = r;
    return r;
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

  #pushMember(
    source: number,
    keyStart: number,
    keyEnd: number,
    valueEnd: number,
    head: number,
    tail: number,
    escaped: boolean,
  ): void {
    if (this.#memberTop + M_STRIDE > this.#members.length) {
      const grown = new Int32Array(this.#members.length * 2);
      grown.set(this.#members);
      this.#members = grown;
    }
    const m = this.#members;
    const at = this.#memberTop;
    m[at + M_KEY_START] = keyStart;
    m[at + M_KEY_END] = keyEnd;
    m[at + M_VALUE_END] = valueEnd;
    m[at + M_HEAD] = head;
    m[at + M_TAIL] = tail;
    m[at + M_ESCAPED] = escaped ? 1 : 0;
    m[at + M_SOURCE] = source;
    this.#memberTop = at + M_STRIDE;
  }

  /** Go's order of two members' keys: bytewise on the decoded keys (keys only hold \" and \\ escapes). */
  #compare(a: number, b: number): number {
    const m = this.#members;
    const sa = m[a + M_SOURCE] === INPUT ? this.#input : this.#literal;
    const sb = m[b + M_SOURCE] === INPUT ? this.#input : this.#literal;
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
   * A string at p (its opening quote): the position after its closing quote, or FAIL when Go would
   * write it differently or it is not plain ASCII. Keys may only use the \" and \\ escapes.
   */
  #string(p: number, key: boolean): number {
    const input = this.#input;
    let escaped = false;
    p++;
    for (;;) {
      let cls = STRING_CLASS[input[p]!];
      while (cls === 0) cls = STRING_CLASS[input[++p]!];
      if (cls === 1) {
        this.#lastKeyEscaped = escaped;
        return p + 1;
      }
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
  #number(p: number): number {
    const input = this.#input;
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

  #literalValue(p: number): number {
    const input = this.#input;
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

  #capture(keyStart: number, keyEnd: number, valueStart: number, valueEnd: number): void {
    const input = this.#input;
    const m = this.metadata;
    if (keyIs(input, keyStart, keyEnd, KEY_NAME)) {
      m.nameStart = valueStart;
      m.nameEnd = valueEnd;
    } else if (keyIs(input, keyStart, keyEnd, KEY_NAMESPACE)) {
      m.namespaceStart = valueStart;
      m.namespaceEnd = valueEnd;
    } else if (keyIs(input, keyStart, keyEnd, KEY_LABELS)) {
      m.labelsStart = valueStart;
      m.labelsEnd = valueEnd;
    } else if (keyIs(input, keyStart, keyEnd, KEY_DELETION)) {
      m.deleting = input[valueStart] !== 0x6e; // present and not null
    }
  }
}

/** The key (with its quotes) at [start, end) is exactly name. */
function keyIs(input: Uint8Array, start: number, end: number, name: Uint8Array): boolean {
  if (end - start - 2 !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (input[start + 1 + i] !== name[i]) return false;
  return true;
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

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

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
