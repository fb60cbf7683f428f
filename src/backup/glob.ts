/**
 * Glob patterns as Velero accepts them for namespaces and resources (gobwas/glob syntax):
 * `*` any run of characters, `?` one character, `[abc]`/`[a-z]`/`[!a]` classes, `{a,b}` alternatives.
 */
export function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) out += '\\[';
      else {
        let body = pattern.slice(i + 1, end);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        out += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '{') {
      const end = pattern.indexOf('}', i + 1);
      if (end === -1) out += '\\{';
      else {
        out += `(?:${pattern
          .slice(i + 1, end)
          .split(',')
          .map((alt) => alt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('|')})`;
        i = end;
      }
    } else out += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** Velero's IncludesExcludes: excludes win; empty includes or `*` include everything. */
export class IncludesExcludes {
  readonly includes: readonly string[];
  readonly excludes: readonly string[];
  readonly #inc: RegExp[];
  readonly #exc: RegExp[];

  constructor(includes: readonly string[] = [], excludes: readonly string[] = []) {
    this.includes = includes;
    this.excludes = excludes;
    this.#inc = includes.filter((p) => p !== '*').map(globToRegExp);
    this.#exc = excludes.filter((p) => p !== '*').map(globToRegExp);
  }

  /** True when no include narrows the set and nothing is excluded. */
  includesEverything(): boolean {
    return this.#includesAll() && this.excludes.length === 0;
  }

  shouldInclude(value: string): boolean {
    if (this.#exc.some((r) => r.test(value))) return false;
    return this.#includesAll() || this.#inc.some((r) => r.test(value));
  }

  #includesAll(): boolean {
    return this.includes.length === 0 || this.includes.includes('*');
  }
}
