import type { KubeClient } from '../kube/client.ts';
import { KubeApiError } from '../kube/client.ts';
import { objectPath } from '../kube/paths.ts';
import type { ApiResource } from '../kube/discovery.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { parseJson } from '../model/go-json.ts';
import { skipSpace, skipValue } from '../model/go-json-bytes.ts';
import { LifeboatError } from '../errors/index.ts';

interface ListPage {
  metadata?: { continue?: string; resourceVersion?: string };
  items?: KubeObject[];
}

export function resourcePath(r: ApiResource, namespace?: string): string {
  return objectPath(r.groupResource, r.apiVersion, r.namespaced ? namespace : undefined);
}

/** A response body as Kubernetes' unstructured decoder reads it (int64 values exact). */
export function parseJsonText<T>(text: string): T {
  return parseJson(text) as T;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  pageSize: number;
  signal?: AbortSignal;
}

/**
 * Pages through a LIST (limit/continue) and yields each page's items with apiVersion and kind set,
 * as Velero's dynamic client stores them. The next page is requested while the caller works on the
 * current one. An expired continue token (410) restarts the list; the caller de-duplicates.
 */
export function listPages(
  client: KubeClient,
  resource: ApiResource,
  options: ListOptions,
): AsyncGenerator<KubeObject[]> {
  return openList(client, resource, options, false).pages();
}

/** A LIST whose first page may already be on its way (openList / openRawList with eager). */
export interface OpenList<P = KubeObject[]> {
  pages(): AsyncGenerator<P>;
}

/**
 * A LIST to read later, page by page as parsed objects. With eager, its first page is requested
 * now — so a caller can have the next type's first page arrive while it works on the current type;
 * a failure surfaces when read.
 */
export function openList(
  client: KubeClient,
  resource: ApiResource,
  options: ListOptions,
  eager: boolean,
): OpenList {
  return openPaged(client, resource, options, eager, (body) => {
    const page = parseJsonText<ListPage>(body.toString('utf8'));
    const items = page.items ?? [];
    for (const item of items) {
      item.apiVersion = resource.apiVersion;
      item.kind = resource.kind;
    }
    return { page: items, continue: page.metadata?.continue };
  });
}

/** A page of a LIST as the server sent it; its items are read in place (ListedItems). */
export interface RawPage {
  body: Buffer;
  /** Where the `items` array starts (its `[`), or -1 when the page has none. */
  itemsAt: number;
  /** The list's path (named in errors about the page). */
  path: string;
}

/** openList without parsing: pages come as the server's bytes (a backup copies items from them). */
export function openRawList(
  client: KubeClient,
  resource: ApiResource,
  options: ListOptions,
  eager: boolean,
): OpenList<RawPage> {
  return openPaged(client, resource, options, eager, splitListBody);
}

function openPaged<P>(
  client: KubeClient,
  resource: ApiResource,
  options: ListOptions,
  eager: boolean,
  decode: (body: Buffer, path: string) => { page: P; continue: string | undefined },
): OpenList<P> {
  const path = resourcePath(resource, options.namespace);
  const fetchPage = async (token: string | undefined) =>
    decode(
      await client.bytes({
        path,
        query: {
          limit: options.pageSize,
          continue: token,
          labelSelector: options.labelSelector || undefined,
        },
      }),
      path,
    );
  let first: ReturnType<typeof fetchPage> | undefined;
  if (eager) {
    first = fetchPage(undefined);
    first.catch(() => undefined); // read (and rethrown) by pages()
  }
  return {
    async *pages() {
      let restarts = 0;
      let next = first ?? fetchPage(undefined);
      first = undefined;
      for (;;) {
        options.signal?.throwIfAborted();
        let decoded: Awaited<typeof next>;
        try {
          decoded = await next;
        } catch (err) {
          if (err instanceof KubeApiError && err.status === 410 && restarts < 3) {
            restarts++;
            next = fetchPage(undefined);
            continue;
          }
          throw err;
        }
        const token = decoded.continue;
        if (token) next = fetchPage(token);
        yield decoded.page;
        if (!token) return;
      }
    },
  };
}

/** A list response that is not the JSON list it should be (a per-type error in a backup). */
export class ListBodyError extends LifeboatError {
  constructor(path: string) {
    super('OPERATION_FAILED', `the API server sent a list that is not valid JSON for ${path}`, {
      hint: 'retry the backup; if it persists, check the API server (or the aggregated API serving this type)',
    });
  }
}

/**
 * Finds a list body's `items` array and reads its `metadata` (the continue token), without parsing
 * the items. The API server writes `metadata` before `items`; a body that does not is still read.
 */
export function splitListBody(body: Buffer, path: string): { page: RawPage; continue: string | undefined } {
  const malformed = () => new ListBodyError(path);
  let p = skipSpace(body, 0);
  if (body[p] !== 0x7b) throw malformed();
  p = skipSpace(body, p + 1);
  let metadata: ListPage['metadata'] | undefined;
  let itemsAt = -1;
  let seenMetadata = false;
  while (body[p] !== 0x7d) {
    const keyEnd = body[p] === 0x22 ? skipValue(body, p) : -1;
    if (keyEnd < 0) throw malformed();
    const key = body.toString('utf8', p + 1, keyEnd - 1);
    p = skipSpace(body, keyEnd);
    if (body[p] !== 0x3a) throw malformed();
    p = skipSpace(body, p + 1);
    if (key === 'items' && body[p] === 0x5b) {
      itemsAt = p;
      if (seenMetadata) break; // nothing after the items matters
    }
    const end = skipValue(body, p);
    if (end < 0) throw malformed();
    if (key === 'metadata') {
      seenMetadata = true;
      try {
        metadata = JSON.parse(body.toString('utf8', p, end)) as ListPage['metadata'];
      } catch {
        throw malformed();
      }
    }
    p = skipSpace(body, end);
    if (body[p] === 0x2c) p = skipSpace(body, p + 1);
    else if (body[p] !== 0x7d) throw malformed();
  }
  return { page: { body, itemsAt, path }, continue: metadata?.continue };
}

/** One object by name, with apiVersion and kind set; undefined when it does not exist. */
export async function getObject(
  client: KubeClient,
  resource: ApiResource,
  namespace: string | undefined,
  name: string,
): Promise<KubeObject | undefined> {
  try {
    const text = await client.text({
      path: `${resourcePath(resource, namespace)}/${encodeURIComponent(name)}`,
    });
    const obj = parseJsonText<KubeObject>(text);
    obj.apiVersion = resource.apiVersion;
    obj.kind = resource.kind;
    return obj;
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return undefined;
    throw err;
  }
}
