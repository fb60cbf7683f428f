import { LifeboatError } from '../errors/index.ts';
import { Glob, GLOB_HINT, globListProblem, InvalidGlobError } from './glob.ts';

/** A namespace or resource filter as the restore plan asks it: yes or no, and whether it narrows at all. */
export interface NameFilter {
  shouldInclude(value: string): boolean;
  includesEverything(): boolean;
}

/**
 * Velero's IncludesExcludes over glob patterns (gobwas/glob syntax, matched in linear time by
 * glob.ts): excludes win; empty includes or `*` include everything. A bad pattern, or a list
 * too long, is a USAGE error.
 */
export class IncludesExcludes implements NameFilter {
  readonly includes: readonly string[];
  readonly excludes: readonly string[];
  readonly #inc: Matcher;
  readonly #exc: Matcher;

  constructor(includes: readonly string[] = [], excludes: readonly string[] = []) {
    this.includes = includes;
    this.excludes = excludes;
    this.#inc = new Matcher(includes.filter((p) => p !== '*'));
    this.#exc = new Matcher(excludes.filter((p) => p !== '*'));
  }

  /** True when no include narrows the set and nothing is excluded. */
  includesEverything(): boolean {
    return this.#includesAll() && this.excludes.length === 0;
  }

  shouldInclude(value: string): boolean {
    if (this.#exc.matches(value)) return false;
    return this.#includesAll() || this.#inc.matches(value);
  }

  #includesAll(): boolean {
    return this.includes.length === 0 || this.includes.includes('*');
  }
}

/** One list: plain names are looked up, patterns run as automata. */
class Matcher {
  readonly #names = new Set<string>();
  readonly #globs: Glob[] = [];

  constructor(patterns: readonly string[]) {
    const problem = globListProblem(patterns);
    if (problem !== undefined) throw usageError(problem);
    for (const pattern of patterns) {
      const glob = compileGlob(pattern);
      if (glob.literal !== undefined) this.#names.add(glob.literal);
      else this.#globs.push(glob);
    }
  }

  matches(value: string): boolean {
    return this.#names.has(value) || this.#globs.some((g) => g.matches(value));
  }
}

/** A compiled pattern; a bad one is a USAGE error. */
export function compileGlob(pattern: string): Glob {
  try {
    return new Glob(pattern);
  } catch (err) {
    if (err instanceof InvalidGlobError) throw usageError(err.message, err);
    throw err;
  }
}

function usageError(message: string, cause?: InvalidGlobError): LifeboatError {
  return new LifeboatError('USAGE', message, { hint: GLOB_HINT, cause });
}

/** Checks include/exclude lists before anything is read or written: a USAGE error on the first bad one. */
export function checkPatternLists(...lists: (readonly string[])[]): void {
  for (const list of lists) {
    const problem = globListProblem(list);
    if (problem !== undefined) throw usageError(problem);
  }
}
