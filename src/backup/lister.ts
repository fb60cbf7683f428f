import type { KubeClient } from '../kube/client.ts';
import { KubeApiError } from '../kube/client.ts';
import type { ApiResource } from '../kube/discovery.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { parseJson } from '../model/go-json.ts';

interface ListPage {
  metadata?: { continue?: string; resourceVersion?: string };
  items?: KubeObject[];
}

export function resourcePath(r: ApiResource, namespace?: string): string {
  const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  return namespace !== undefined && namespace !== '' && r.namespaced
    ? `${base}/namespaces/${encodeURIComponent(namespace)}/${r.resource}`
    : `${base}/${r.resource}`;
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

/** A LIST whose first page may already be on its way (openList with eager). */
export interface OpenList {
  pages(): AsyncGenerator<KubeObject[]>;
}

/**
 * A LIST to read later. With eager, its first page is requested now — so a caller can have the next
 * type's first page arrive while it works on the current type; a failure surfaces when read.
 */
export function openList(
  client: KubeClient,
  resource: ApiResource,
  options: ListOptions,
  eager: boolean,
): OpenList {
  const path = resourcePath(resource, options.namespace);
  const fetchPage = async (token: string | undefined): Promise<ListPage> =>
    parseJsonText<ListPage>(
      await client.text({
        path,
        query: {
          limit: options.pageSize,
          continue: token,
          labelSelector: options.labelSelector || undefined,
        },
      }),
    );
  let first: Promise<ListPage> | undefined;
  if (eager) {
    first = fetchPage(undefined);
    first.catch(() => undefined); // read (and rethrown) by pages()
  }
  return {
    async *pages() {
      let restarts = 0;
      let next: Promise<ListPage> = first ?? fetchPage(undefined);
      first = undefined;
      for (;;) {
        options.signal?.throwIfAborted();
        let page: ListPage;
        try {
          page = await next;
        } catch (err) {
          if (err instanceof KubeApiError && err.status === 410 && restarts < 3) {
            restarts++;
            next = fetchPage(undefined);
            continue;
          }
          throw err;
        }
        const token = page.metadata?.continue;
        if (token) next = fetchPage(token);
        const items = page.items ?? [];
        for (const item of items) {
          item.apiVersion = resource.apiVersion;
          item.kind = resource.kind;
        }
        yield items;
        if (!token) return;
      }
    },
  };
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
