/**
 * The syntax of Velero's namespace and resource globs (gobwas/glob, compiled without separators),
 * parsed into a tree. model/ is a leaf: a bad pattern throws InvalidGlobError, which callers turn
 * into a USAGE error (code and hint are ready for it).
 *
 *   `*` and `**`   any run of characters        `?`        one character
 *   `[abc]` `[!abc]` one of / none of a list    `[a-z]` `[!a-z]` one range (a class holds one range
 *   `{a,b*,c}`     alternatives, each a pattern `\c`       the character c      or one list)
 */

/** Longer patterns are refused: a resource name is at most 253 characters, a namespace 63. */
export const MAX_GLOB_LENGTH = 1024;

export const GLOB_HINT =
  'Use glob syntax: * (any run), ? (one character), [abc] or [a-z] (one list or one range per class), ' +
  '[!a-z] (not), {a,b} (alternatives), \\ before a special character to match it literally.';

export class InvalidGlobError extends Error {
  readonly code = 'USAGE';
  readonly hint = GLOB_HINT;

  constructor(message: string) {
    super(message);
    this.name = 'InvalidGlobError';
  }
}

export type GlobNode =
  | { kind: 'text'; codePoints: number[] }
  | { kind: 'any' }
  | { kind: 'single' }
  | { kind: 'range'; lo: number; hi: number; not: boolean }
  | { kind: 'list'; codePoints: ReadonlySet<number>; not: boolean }
  | { kind: 'alternatives'; patterns: GlobNode[][] };

const MAIN_BREAKERS = new Set(['?', '*', '[', '{']);
const TERMS_BREAKERS = new Set(['?', '*', '[', '{', '}', ',']);
const RANGE_BREAKERS = new Set([']']);

/** Parses a pattern as gobwas/glob's lexer and parser do; throws InvalidGlobError. */
export function parseGlob(pattern: string): GlobNode[] {
  if (pattern.length > MAX_GLOB_LENGTH)
    throw new InvalidGlobError(`pattern is ${pattern.length} characters long; at most ${MAX_GLOB_LENGTH}`);
  if (!pattern.isWellFormed() || pattern.includes('\0'))
    throw new InvalidGlobError(`pattern ${JSON.stringify(pattern)} holds a NUL or a malformed character`);
  return new GlobParser(pattern).parse();
}

class GlobParser {
  readonly #chars: string[];
  readonly #pattern: string;
  #pos = 0;

  constructor(pattern: string) {
    this.#pattern = pattern;
    this.#chars = Array.from(pattern);
  }

  parse(): GlobNode[] {
    return this.#sequence(false);
  }

  #fail(why: string): never {
    throw new InvalidGlobError(`invalid pattern ${JSON.stringify(this.#pattern)}: ${why}`);
  }

  #peek(): string | undefined {
    return this.#chars[this.#pos];
  }

  /** Items up to the end, or (inside alternatives) up to an unescaped `,` or `}`. */
  #sequence(inTerms: boolean): GlobNode[] {
    const nodes: GlobNode[] = [];
    for (;;) {
      const c = this.#peek();
      if (c === undefined || (inTerms && (c === ',' || c === '}'))) return nodes;
      this.#pos++;
      if (c === '{') nodes.push(this.#alternatives());
      else if (c === '[') nodes.push(this.#class());
      else if (c === '?') nodes.push({ kind: 'single' });
      else if (c === '*') {
        if (this.#peek() === '*') this.#pos++;
        nodes.push({ kind: 'any' });
      } else {
        this.#pos--;
        const text = this.#text(inTerms ? TERMS_BREAKERS : MAIN_BREAKERS);
        if (text.length > 0) nodes.push({ kind: 'text', codePoints: text });
      }
    }
  }

  #alternatives(): GlobNode {
    const opened = this.#pos - 1;
    const patterns = [this.#sequence(true)];
    for (;;) {
      const c = this.#peek();
      if (c === ',') {
        this.#pos++;
        patterns.push(this.#sequence(true));
      } else if (c === '}') {
        this.#pos++;
        return { kind: 'alternatives', patterns };
      } else this.#fail(`'{' at position ${opened + 1} is not closed (write \\{ to match a '{')`);
    }
  }

  /** A class: `[`, an optional `!`, then one range `lo-hi` or one list, then `]`. */
  #class(): GlobNode {
    const opened = this.#pos - 1;
    const unclosed = (): never =>
      this.#fail(`'[' at position ${opened + 1} is not closed (write \\[ to match a '[')`);
    let not = false;
    if (this.#peek() === '!') {
      not = true;
      this.#pos++;
    }
    const first = this.#peek();
    if (first === undefined) return unclosed();
    let node: GlobNode;
    if (this.#chars[this.#pos + 1] === '-') {
      const hi = this.#chars[this.#pos + 2];
      if (hi === undefined) return unclosed();
      this.#pos += 3;
      const [loCode, hiCode] = [first.codePointAt(0)!, hi.codePointAt(0)!];
      if (hiCode < loCode) this.#fail(`range ${first}-${hi} is reversed (write ${hi}-${first})`);
      node = { kind: 'range', lo: loCode, hi: hiCode, not };
    } else {
      const list = this.#text(RANGE_BREAKERS);
      if (this.#peek() === undefined) return unclosed();
      if (list.length === 0) this.#fail(`class at position ${opened + 1} is empty`);
      node = { kind: 'list', codePoints: new Set(list), not };
    }
    const close = this.#peek();
    if (close === undefined) return unclosed();
    if (close !== ']')
      this.#fail(
        `class at position ${opened + 1} holds more than one range (use alternatives: {[a-z],[0-9]})`,
      );
    this.#pos++;
    return node;
  }

  /** Literal characters up to an unescaped breaker; `\c` is c, a trailing `\` is dropped. */
  #text(breakers: ReadonlySet<string>): number[] {
    const out: number[] = [];
    for (let c = this.#peek(); c !== undefined; c = this.#peek()) {
      if (c === '\\') {
        this.#pos++;
        const escaped = this.#peek();
        if (escaped === undefined) break;
        out.push(escaped.codePointAt(0)!);
      } else if (breakers.has(c)) break;
      else out.push(c.codePointAt(0)!);
      this.#pos++;
    }
    return out;
  }
}
