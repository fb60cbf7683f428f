import { LifeboatError } from '../errors/index.ts';
import { compareGoStrings, parseJson } from '../gojson/index.ts';
import { isKubeObject, type KubeObject } from '../model/index.ts';
import type { ParsedArchivePath } from './paths.ts';

/**
 * What a backup tarball holds, built entry by entry while reading it: the classic item paths Velero's
 * restore parser reads (pkg/archive/parser.go), plus the version directories seen per resource.
 */

export interface CatalogItem {
  groupResource: string;
  /** Absent for cluster-scoped items. */
  namespace?: string;
  name: string;
  /** Classic path of the item in the archive (and under an extraction directory). */
  path: string;
}

/** Item names → their entry's path (the reader's string, shared by everything that names the item). */
interface ResourceEntry {
  namespaced: Map<string, Map<string, string>>;
  cluster: Map<string, string>;
  versionDirs: Set<string>;
}

export class ArchiveCatalog {
  readonly #resources = new Map<string, ResourceEntry>();
  #count = 0;

  /** Records an entry; only item entries matter. */
  add(entry: { path: string; parsed: ParsedArchivePath }): void {
    const parsed = entry.parsed;
    if (parsed.kind !== 'item') return;
    let resource = this.#resources.get(parsed.groupResource);
    if (!resource) {
      resource = { namespaced: new Map(), cluster: new Map(), versionDirs: new Set() };
      this.#resources.set(parsed.groupResource, resource);
    }
    if (parsed.versionDir !== undefined) {
      resource.versionDirs.add(parsed.versionDir);
      return;
    }
    let names = resource.cluster;
    if (parsed.namespace !== undefined) {
      names = resource.namespaced.get(parsed.namespace) ?? new Map<string, string>();
      resource.namespaced.set(parsed.namespace, names);
    }
    if (!names.has(parsed.name)) this.#count++;
    names.set(parsed.name, entry.path);
  }

  /** Group-resources with at least one item or version directory, sorted (`deployments.apps`, `pods`). */
  resources(): string[] {
    return [...this.#resources.keys()].sort(compareGoStrings);
  }

  /** Namespaces holding at least one namespaced item (classic paths), sorted. */
  namespaces(): string[] {
    const all = new Set<string>();
    for (const resource of this.#resources.values()) {
      for (const [ns, names] of resource.namespaced) if (names.size > 0) all.add(ns);
    }
    return [...all].sort(compareGoStrings);
  }

  /** Version directories of a resource (`v1-preferredversion`, `v1beta1`), sorted. */
  versionDirs(groupResource: string): string[] {
    return [...(this.#resources.get(groupResource)?.versionDirs ?? [])].sort(compareGoStrings);
  }

  /**
   * Items of a resource at classic paths: cluster-scoped first, then by namespace; names in the order
   * Velero's parser lists them (by file name `<name>.json`, bytewise).
   */
  items(groupResource: string): CatalogItem[] {
    const resource = this.#resources.get(groupResource);
    if (!resource) return [];
    const byFile = ([a]: [string, string], [b]: [string, string]) =>
      compareGoStrings(`${a}.json`, `${b}.json`);
    const out: CatalogItem[] = [...resource.cluster]
      .sort(byFile)
      .map(([name, path]) => ({ groupResource, name, path }));
    for (const ns of [...resource.namespaced.keys()].sort(compareGoStrings)) {
      for (const [name, path] of [...(resource.namespaced.get(ns) ?? [])].sort(byFile)) {
        out.push({ groupResource, namespace: ns, name, path });
      }
    }
    return out;
  }

  /** Number of distinct items at classic paths. */
  count(): number {
    return this.#count;
  }
}

/**
 * Decodes an item file. Like Velero's restore (unstructured decode) it needs `kind` and `apiVersion`;
 * lifeboat also needs `metadata.name`. int64 values stay exact (parseJson).
 */
export function parseItem(data: Buffer, path: string): KubeObject {
  const text = data.toString('utf8');
  if (nestingExceeds(text, MAX_ITEM_DEPTH)) {
    throw corruptItem(path, `is nested more than ${MAX_ITEM_DEPTH} levels deep`, undefined, {
      hint: 'lifeboat does not restore objects nested this deep (no Kubernetes object needs it); the item is left out, the rest of the backup is restored.',
    });
  }
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (err) {
    throw corruptItem(path, `is not valid JSON (${err instanceof Error ? err.message : String(err)})`, err);
  }
  if (isKubeObject(value)) return value;
  const missing =
    typeof value !== 'object' || value === null || Array.isArray(value)
      ? 'is not a JSON object'
      : !nonEmpty(field(value, 'kind'))
        ? "has no 'kind'"
        : !nonEmpty(field(value, 'apiVersion'))
          ? "has no 'apiVersion'"
          : !nonEmpty(field(field(value, 'metadata'), 'name'))
            ? "has no 'metadata.name'"
            : "has a 'metadata.namespace' that is not a string";
  throw corruptItem(path, missing);
}

/** The own value at key of an object (never an inherited one), else undefined. */
function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

function nonEmpty(value: unknown): boolean {
  return typeof value === 'string' && value !== '';
}

function corruptItem(
  path: string,
  what: string,
  cause?: unknown,
  options: { hint?: string } = {},
): LifeboatError {
  return new LifeboatError('CORRUPT', `backup item ${JSON.stringify(path)} ${what}`, {
    hint:
      options.hint ??
      'The archive is corrupt or not a Velero backup: every item must be a Kubernetes object with kind, apiVersion and metadata.name.',
    cause,
    details: { item: path },
  });
}

/** The archive path of the item a LifeboatError from parseItem is about, else undefined. */
export function unreadableItemPath(err: unknown): string | undefined {
  if (!(err instanceof LifeboatError) || err.code !== 'CORRUPT') return undefined;
  const item = err.details?.['item'];
  return typeof item === 'string' ? item : undefined;
}

/**
 * How deep an item may nest objects and arrays. The JSON reviver, the deep copy and the comparison
 * recurse; far below where they would run out of stack, far above what any Kubernetes object needs.
 */
export const MAX_ITEM_DEPTH = 1000;

/** Whether JSON text opens more than `max` objects/arrays inside each other (one linear scan, no parse). */
export function nestingExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
