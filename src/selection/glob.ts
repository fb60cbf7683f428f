import { InvalidGlobError, parseGlob, type GlobNode } from './glob-syntax.ts';

export { GLOB_HINT, InvalidGlobError, MAX_GLOB_LENGTH } from './glob-syntax.ts';

/** A list of patterns (one include or exclude filter) holds at most this many characters in all. */
export const MAX_GLOB_LIST_LENGTH = 16_384;

type State =
  | { kind: 'char'; accepts: (codePoint: number) => boolean; out: number }
  | { kind: 'any'; out: number }
  | { kind: 'split'; outs: number[] }
  | { kind: 'match' };

/**
 * A compiled glob: a small automaton (one state per pattern character, plus one per `{`) run over
 * the text with a set of current states, never backtracking: matching costs at most
 * size × (text length + 1) state visits, whatever the pattern.
 */
export class Glob {
  readonly pattern: string;
  readonly #states: State[] = [{ kind: 'match' }];
  readonly #start: number;
  readonly #literal: string | undefined;

  /** Throws InvalidGlobError. */
  constructor(pattern: string) {
    this.pattern = pattern;
    const nodes = parseGlob(pattern);
    this.#literal = nodes.every((n) => n.kind === 'text')
      ? nodes.map((n) => String.fromCodePoint(...n.codePoints)).join('')
      : undefined;
    this.#start = this.#sequence(nodes, 0);
  }

  /** The number of automaton states. */
  get size(): number {
    return this.#states.length;
  }

  /** The text without its escapes when the pattern has no wildcard, else undefined. */
  get literal(): string | undefined {
    return this.#literal;
  }

  matches(text: string): boolean {
    return this.#literal !== undefined ? text === this.#literal : this.#run(text).matched;
  }

  /** State visits the automaton makes on the text (the work bound above, for tests). */
  visits(text: string): number {
    return this.#run(text).visits;
  }

  #run(text: string): { matched: boolean; visits: number } {
    const states = this.#states;
    const mark = new Int32Array(states.length).fill(-1);
    let current = new Int32Array(states.length);
    let moved = new Int32Array(states.length);
    const stack: number[] = [];
    let visits = 0;
    let count = this.#closure([this.#start], 1, 0, current, mark, stack);
    let step = 0;
    for (const ch of text) {
      step++;
      const codePoint = ch.codePointAt(0)!;
      let movedCount = 0;
      for (let i = 0; i < count; i++) {
        const s = current[i]!;
        const state = states[s]!;
        if (state.kind === 'any') moved[movedCount++] = s;
        else if (state.kind === 'char' && state.accepts(codePoint)) moved[movedCount++] = state.out;
      }
      visits += count;
      [current, moved] = [moved, current];
      count = this.#closure(current, movedCount, step, current, mark, stack);
      if (count === 0) return { matched: false, visits };
    }
    let matched = false;
    for (let i = 0; i < count; i++) if (states[current[i]!]!.kind === 'match') matched = true;
    return { matched, visits: visits + count };
  }

  /**
   * The states reachable without reading a character (through `{` splits and past `*`), from the
   * first `fromCount` of `from`, written to `out` (which may be `from`); returns their count.
   */
  #closure(
    from: ArrayLike<number>,
    fromCount: number,
    step: number,
    out: Int32Array,
    mark: Int32Array,
    stack: number[],
  ): number {
    for (let i = fromCount - 1; i >= 0; i--) stack.push(from[i]!);
    let count = 0;
    for (let s = stack.pop(); s !== undefined; s = stack.pop()) {
      if (mark[s] === step) continue;
      mark[s] = step;
      const state = this.#states[s]!;
      if (state.kind === 'split') {
        for (let i = state.outs.length - 1; i >= 0; i--) stack.push(state.outs[i]!);
        continue;
      }
      out[count++] = s;
      if (state.kind === 'any') stack.push(state.out);
    }
    return count;
  }

  /** Adds the states of a sequence, last node first; returns its entry state. */
  #sequence(nodes: readonly GlobNode[], out: number): number {
    let next = out;
    for (let i = nodes.length - 1; i >= 0; i--) next = this.#node(nodes[i]!, next);
    return next;
  }

  #node(node: GlobNode, out: number): number {
    switch (node.kind) {
      case 'text': {
        let next = out;
        for (let i = node.codePoints.length - 1; i >= 0; i--) {
          const cp = node.codePoints[i]!;
          next = this.#add({ kind: 'char', accepts: (c) => c === cp, out: next });
        }
        return next;
      }
      case 'any':
        return this.#add({ kind: 'any', out });
      case 'single':
        return this.#add({ kind: 'char', accepts: () => true, out });
      case 'range': {
        const { lo, hi, not } = node;
        return this.#add({ kind: 'char', accepts: (c) => (c >= lo && c <= hi) !== not, out });
      }
      case 'list': {
        const { codePoints, not } = node;
        return this.#add({ kind: 'char', accepts: (c) => codePoints.has(c) !== not, out });
      }
      case 'alternatives':
        return this.#add({ kind: 'split', outs: node.patterns.map((p) => this.#sequence(p, out)) });
    }
  }

  #add(state: State): number {
    this.#states.push(state);
    return this.#states.length - 1;
  }
}

/** Whether a filter entry is a pattern rather than a plain name (so it is matched, not looked up). */
export function isGlob(pattern: string): boolean {
  return /[*?[{\\]/.test(pattern);
}

/** The first problem with one include or exclude list (each pattern, and the list's size), else undefined. */
export function globListProblem(patterns: readonly string[]): string | undefined {
  let total = 0;
  for (const pattern of patterns) {
    total += pattern.length;
    if (total > MAX_GLOB_LIST_LENGTH)
      return `the patterns hold more than ${MAX_GLOB_LIST_LENGTH} characters in all`;
    try {
      new Glob(pattern);
    } catch (err) {
      if (err instanceof InvalidGlobError) return err.message;
      throw err;
    }
  }
  return undefined;
}
