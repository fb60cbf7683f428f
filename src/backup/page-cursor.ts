import { type ApiResource, ListBodyError, type RawPage } from '../kube/index.ts';
import { excludedByLabel, type KubeObject, VeleroLabels } from '../model/index.ts';
import { GoJsonPlanner, goMarshal, parseJson, skipSpace, skipValue } from '../gojson/index.ts';
import type { ItemBytes } from '../archive/index.ts';

/** The exclude label as it appears in a labels object's bytes (only then are the labels parsed). */
const EXCLUDE_BYTES = Buffer.from(JSON.stringify(VeleroLabels.excludeFromBackup));

/** metadata.deletionTimestamp is set (not absent, not null): the item is on its way out. */
export function beingDeleted(item: KubeObject): boolean {
  return (item.metadata as { deletionTimestamp?: unknown }).deletionTimestamp != null;
}

/**
 * A cursor over the items of listed pages, read in place from the server's bytes: next() moves to
 * the next item and reads its identity (name, namespace, the exclude label, deletion); bytes() gives
 * what the backup stores (goMarshal of the item with apiVersion/kind set, planned from the bytes:
 * GoJsonPlanner), object() the parsed item for the code that needs one (item actions, watches).
 * An item the planner cannot vouch for is parsed and marshalled instead: same bytes, slower.
 *
 * One cursor serves a whole backup; what it returns for an item is valid until the next call of next().
 */
export class PageCursor {
  readonly #planner = new GoJsonPlanner();
  #page: RawPage = { body: Buffer.alloc(0), itemsAt: -1, path: '' };
  #resource: ApiResource | undefined;
  #p = -1;
  #start = 0;
  #end = 0;
  #planned = false;
  #object: KubeObject | undefined;
  name = '';
  namespace: string | undefined;
  /** The item carries velero.io/exclude-from-backup=true. */
  excluded = false;
  /** metadata.deletionTimestamp is set: the item is on its way out. */
  deleting = false;

  /** Starts on a page of `resource`. */
  reset(resource: ApiResource, page: RawPage): void {
    this.#resource = resource;
    this.#planner.setType(resource.apiVersion, resource.kind);
    this.#page = page;
    this.#p = page.itemsAt < 0 ? -1 : page.itemsAt + 1;
    this.#object = undefined;
  }

  /** Moves to the page's next item; false when there is none. */
  next(): boolean {
    const body = this.#page.body;
    let p = this.#p;
    if (p < 0) return false;
    p = skipSpace(body, p);
    if (body[p] === 0x2c) p = skipSpace(body, p + 1);
    if (body[p] === 0x5d) {
      this.#p = -1;
      return false;
    }
    this.#object = undefined;
    this.#start = p;
    const planned = this.#planner.plan(body, p);
    const m = this.#planner.metadata;
    if (
      planned >= 0 &&
      body[m.nameStart] === 0x22 &&
      (m.namespaceStart < 0 || body[m.namespaceStart] === 0x22)
    ) {
      this.#planned = true;
      this.#end = planned;
      this.name = jsonString(body, m.nameStart, m.nameEnd);
      this.namespace = m.namespaceStart >= 0 ? jsonString(body, m.namespaceStart, m.namespaceEnd) : undefined;
      this.deleting = m.deleting;
      this.excluded =
        m.labelsStart >= 0 &&
        containsIn(body, EXCLUDE_BYTES, m.labelsStart, m.labelsEnd) &&
        excludedByLabel(
          JSON.parse(body.toString('utf8', m.labelsStart, m.labelsEnd)) as Record<string, unknown>,
        );
    } else {
      this.#planned = false;
      const end = skipValue(body, p);
      if (end < 0 || body[p] !== 0x7b) throw new ListBodyError(this.#page.path);
      this.#end = end;
      const object = this.object();
      this.name = object.metadata.name;
      this.namespace = object.metadata.namespace;
      this.deleting = beingDeleted(object);
      this.excluded = excludedByLabel(object.metadata.labels);
    }
    this.#p = this.#end;
    return true;
  }

  /** The item's JSON, as listed, contains these bytes. */
  contains(needle: Buffer): boolean {
    return containsIn(this.#page.body, needle, this.#start, this.#end);
  }

  /** The item parsed (int64 values exact), with apiVersion and kind set. */
  object(): KubeObject {
    if (this.#object === undefined) {
      const object = parseJson(this.#page.body.toString('utf8', this.#start, this.#end)) as KubeObject;
      object.apiVersion = this.#resource!.apiVersion;
      object.kind = this.#resource!.kind;
      this.#object = object;
    }
    return this.#object;
  }

  /**
   * The bytes a backup stores for the item, goMarshal(object()): planned from the server's bytes
   * (written where the archive wants them, until next()), or marshalled when the planner declined.
   */
  bytes(): ItemBytes | string {
    return this.#planned ? this.#planner : goMarshal(this.object());
  }
}

/** A JSON string at [start, end) (with its quotes): ASCII without escapes is read as it is. */
function jsonString(body: Buffer, start: number, end: number): string {
  for (let i = start + 1; i < end - 1; i++) {
    if (body[i] === 0x5c) return JSON.parse(body.toString('utf8', start, end)) as string;
  }
  return body.toString('latin1', start + 1, end - 1);
}

/**
 * needle occurs within body[start, end): searched natively in a view of that range (a byte loop in
 * JS measured several times slower on every listed item; a search from start to the page's end
 * would scan the rest of the page for each item).
 */
function containsIn(body: Buffer, needle: Buffer, start: number, end: number): boolean {
  return end - start >= needle.length && body.subarray(start, end).indexOf(needle) >= 0;
}
