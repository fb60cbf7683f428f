import { KubeApiError, type KubeClient, type RequestSpec } from './client.ts';
import { objectPath } from './paths.ts';
import type { ApiResource } from './discovery.ts';
import { splitListBody, type RawPage } from './list-body.ts';
import type { KubeObject } from '../model/index.ts';
import { parseJson } from '../gojson/index.ts';

/** The REST path of a served resource's collection (namespaced only when the resource is). */
function resourcePath(r: ApiResource, namespace?: string): string {
  return objectPath(r.groupResource, r.apiVersion, r.namespaced ? namespace : undefined);
}

/** The call failed because the object (or its type, or its namespace) does not exist. */
export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 404;
}

/** What `call` gives; undefined when it failed with 404. Other failures are thrown. */
async function unlessNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** GET spec.path as JSON; undefined when it does not exist (404). */
export function getOrUndefined<T>(client: KubeClient, spec: RequestSpec): Promise<T | undefined> {
  return unlessNotFound(client.json<T>(spec));
}

/**
 * One object by name, parsed as Kubernetes' unstructured decoder reads it (int64 values exact),
 * with apiVersion and kind set; undefined when it does not exist.
 */
export async function getObject(
  client: KubeClient,
  resource: ApiResource,
  namespace: string | undefined,
  name: string,
): Promise<KubeObject | undefined> {
  const text = await unlessNotFound(
    client.text({ path: `${resourcePath(resource, namespace)}/${encodeURIComponent(name)}` }),
  );
  if (text === undefined) return undefined;
  return withType(parseJson(text) as KubeObject, resource);
}

function withType(obj: KubeObject, resource: ApiResource): KubeObject {
  obj.apiVersion = resource.apiVersion;
  obj.kind = resource.kind;
  return obj;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  pageSize: number;
  signal?: AbortSignal;
}

/** A LIST whose first page may already be on its way (openList / openRawList with eager). */
export interface OpenList<P = KubeObject[]> {
  pages(): AsyncGenerator<P>;
}

interface Decoded<P> {
  page: P;
  continue: string | undefined;
}

interface Paging {
  /** Request the first page now (a failure surfaces when read). */
  eager: boolean;
  /** Request the next page while the caller works on the current one. */
  prefetch: boolean;
  /** Times an expired continue token (410) restarts the list from the start. */
  restarts: number;
  signal?: AbortSignal;
}

/** The one limit/continue loop: pages in order, the next asked for once the token is known. */
function paged<P>(fetchPage: (token: string | undefined) => Promise<Decoded<P>>, o: Paging): OpenList<P> {
  let first: Promise<Decoded<P>> | undefined;
  if (o.eager) {
    first = fetchPage(undefined);
    first.catch(() => undefined); // read (and rethrown) by pages()
  }
  return {
    async *pages() {
      let restarts = 0;
      let next = first ?? fetchPage(undefined);
      first = undefined;
      for (;;) {
        o.signal?.throwIfAborted();
        let decoded: Decoded<P>;
        try {
          decoded = await next;
        } catch (err) {
          if (err instanceof KubeApiError && err.status === 410 && restarts < o.restarts) {
            restarts++;
            next = fetchPage(undefined);
            continue;
          }
          throw err;
        }
        const token = decoded.continue;
        if (token && o.prefetch) next = fetchPage(token);
        yield decoded.page;
        if (!token) return;
        if (!o.prefetch) next = fetchPage(token);
      }
    },
  };
}

/** A resource's LIST as the server's bytes, page by page (the caller decodes each body). */
function openBytes<P>(
  client: KubeClient,
  resource: ApiResource,
  options: ListOptions,
  eager: boolean,
  decode: (body: Buffer, path: string) => Decoded<P>,
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
  return paged(fetchPage, { eager, prefetch: true, restarts: 3, signal: options.signal });
}

/**
 * A LIST to read later, page by page as parsed objects (int64 values exact) with apiVersion and kind
 * set, as Velero's dynamic client stores them. With eager, its first page is requested now — so a
 * caller can have the next type's first page arrive while it works on the current type. The next
 * page is requested while the caller works on the current one. An expired continue token (410)
 * restarts the list; the caller de-duplicates.
 */
export function openList(
  client: KubeClient,
  resource: ApiResource,
  options: ListOptions,
  eager: boolean,
): OpenList {
  return openBytes(client, resource, options, eager, (body) => {
    const page = parseJson(body.toString('utf8')) as {
      items?: KubeObject[];
      metadata?: { continue?: string };
    };
    const items = page.items ?? [];
    for (const item of items) withType(item, resource);
    return { page: items, continue: page.metadata?.continue };
  });
}

/** openList started now, its pages read at once. */
export function listPages(
  client: KubeClient,
  resource: ApiResource,
  options: ListOptions,
): AsyncGenerator<KubeObject[]> {
  return openList(client, resource, options, false).pages();
}

/** openList without parsing: pages come as the server's bytes (a backup copies items from them). */
export function openRawList(
  client: KubeClient,
  resource: ApiResource,
  options: ListOptions,
  eager: boolean,
): OpenList<RawPage> {
  return openBytes(client, resource, options, eager, splitListBody);
}

export interface JsonListQuery {
  limit: number;
  labelSelector?: string;
  /** Retries of each page's request (the client's default when absent). */
  retries?: number;
}

/**
 * The items of a LIST at `path` as plain JSON, page by page: each page is asked for once the caller
 * is done with the previous one; an expired continue token fails the list.
 */
export function listJsonPages<T>(
  client: KubeClient,
  path: string,
  query: JsonListQuery,
): AsyncGenerator<T[]> {
  const fetchPage = async (token: string | undefined): Promise<Decoded<T[]>> => {
    const page = await client.json<{ items?: T[]; metadata?: { continue?: string } }>({
      path,
      query: { limit: query.limit, continue: token, labelSelector: query.labelSelector },
      ...(query.retries === undefined ? {} : { retries: query.retries }),
    });
    return { page: page.items ?? [], continue: page.metadata?.continue };
  };
  return paged(fetchPage, { eager: false, prefetch: false, restarts: 0 }).pages();
}
