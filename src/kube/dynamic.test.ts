import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeApiError, KubeClient } from './client.ts';
import { getObject, getOrUndefined, isNotFound, listJsonPages, openList, openRawList } from './dynamic.ts';
import { servedResource } from './testing.ts';

interface Hit {
  path: string;
  query: URLSearchParams;
}

/** A loopback API server: `answer` gives each request's status and body. */
async function apiServer(
  answer: (hit: Hit, n: number) => [number, unknown],
): Promise<{ url: string; hits: Hit[] }> {
  const hits: Hit[] = [];
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const hit = { path: url.pathname, query: url.searchParams };
    hits.push(hit);
    const [status, body] = answer(hit, hits.length);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, hits };
}

function clientFor(url: string): KubeClient {
  const connection = {
    server: url,
    source: 'test',
    tls: { rejectUnauthorized: false },
    authorization: () => Promise.resolve(undefined),
  };
  return new KubeClient(connection, { sleep: () => Promise.resolve() });
}

function status(code: number, reason: string): [number, unknown] {
  return [code, { kind: 'Status', message: `status ${code}`, reason, code }];
}

/** Two pages of config maps, chained by the continue token `p2`. */
function twoPages(hit: Hit): [number, unknown] {
  const second = hit.query.get('continue') === 'p2';
  return [
    200,
    {
      kind: 'ConfigMapList',
      metadata: second ? {} : { continue: 'p2' },
      items: [{ metadata: { name: second ? 'b' : 'a', namespace: 'ns', uid: '9007199254740993' } }],
    },
  ];
}

const configMaps = servedResource('', 'configmaps', 'ConfigMap', true);
let server: Server | undefined;
let client: KubeClient | undefined;
afterEach(() => {
  client?.close();
  server?.close();
});

async function collect<T>(pages: AsyncGenerator<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...page);
  return out;
}

describe('paged lists', () => {
  it('listJsonPages follows continue tokens with the limit and label selector', async () => {
    const api = await apiServer(twoPages);
    client = clientFor(api.url);
    const items = await collect(
      listJsonPages<{ metadata: { name: string } }>(client, '/api/v1/configmaps', {
        limit: 7,
        labelSelector: 'app=x',
      }),
    );
    expect(items.map((i) => i.metadata.name)).toEqual(['a', 'b']);
    expect(api.hits.map((h) => h.query.toString())).toEqual([
      'limit=7&labelSelector=app%3Dx',
      'limit=7&continue=p2&labelSelector=app%3Dx',
    ]);
  });

  it('listJsonPages fails on an expired continue token instead of listing again', async () => {
    const api = await apiServer((hit) =>
      hit.query.has('continue') ? status(410, 'Expired') : twoPages(hit),
    );
    client = clientFor(api.url);
    await expect(collect(listJsonPages(client, '/api/v1/configmaps', { limit: 1 }))).rejects.toSatisfy(
      (err) => err instanceof KubeApiError && err.status === 410,
    );
    expect(api.hits).toHaveLength(2);
  });

  it('openList parses pages exactly and sets apiVersion and kind; a 410 restarts the list', async () => {
    const api = await apiServer((hit, n) => (n === 2 ? status(410, 'Expired') : twoPages(hit)));
    client = clientFor(api.url);
    const pages = openList(client, configMaps, { namespace: 'ns', pageSize: 500 }, false).pages();
    const items = await collect(pages);
    expect(items.map((i) => [i.metadata.name, i.apiVersion, i.kind])).toEqual([
      ['a', 'v1', 'ConfigMap'],
      ['a', 'v1', 'ConfigMap'],
      ['b', 'v1', 'ConfigMap'],
    ]);
    expect(typeof items[0]!.metadata.uid).not.toBe('number');
    expect(api.hits[0]!.path).toBe('/api/v1/namespaces/ns/configmaps');
  });

  it('openRawList gives the server bytes with where the items start', async () => {
    const api = await apiServer(twoPages);
    client = clientFor(api.url);
    const raw = openRawList(client, configMaps, { pageSize: 2, labelSelector: '' }, true);
    const pages = [];
    for await (const page of raw.pages()) pages.push(page);
    expect(pages).toHaveLength(2);
    const first = pages[0]!;
    expect(first.path).toBe('/api/v1/configmaps');
    expect(first.body[first.itemsAt]).toBe(0x5b);
    expect(JSON.parse(first.body.toString('utf8', first.itemsAt, first.body.length - 1))).toHaveLength(1);
    expect(api.hits.map((h) => h.query.toString())).toEqual(['limit=2', 'limit=2&continue=p2']);
  });

  it('an eager list asks for its first page before it is read, and its failure surfaces when read', async () => {
    const api = await apiServer(() => status(403, 'Forbidden'));
    client = clientFor(api.url);
    const raw = openRawList(client, configMaps, { pageSize: 2 }, true);
    await new Promise((r) => setTimeout(r, 50));
    expect(api.hits).toHaveLength(1);
    await expect(raw.pages().next()).rejects.toSatisfy(
      (err) => err instanceof KubeApiError && err.status === 403,
    );
  });

  it('a list stops at an aborted signal between pages', async () => {
    const api = await apiServer(twoPages);
    client = clientFor(api.url);
    const controller = new AbortController();
    const pages = openList(client, configMaps, { pageSize: 1, signal: controller.signal }, false).pages();
    expect((await pages.next()).value).toHaveLength(1);
    controller.abort();
    await expect(pages.next()).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 50)); // the prefetched page lands before the server closes
  });
});

describe('get or undefined', () => {
  it('gives undefined for 404 and throws other failures', async () => {
    const api = await apiServer((hit) =>
      hit.path.endsWith('/gone')
        ? status(404, 'NotFound')
        : hit.path.endsWith('/secret')
          ? status(403, 'Forbidden')
          : [200, { metadata: { name: 'here' } }],
    );
    client = clientFor(api.url);
    expect(await getOrUndefined(client, { path: '/api/v1/namespaces/gone' })).toBeUndefined();
    expect(await getOrUndefined(client, { path: '/api/v1/namespaces/here' })).toEqual({
      metadata: { name: 'here' },
    });
    const forbidden = await getOrUndefined(client, { path: '/api/v1/namespaces/secret' }).catch(
      (e: unknown) => e,
    );
    expect(forbidden).toBeInstanceOf(KubeApiError);
    expect(isNotFound(forbidden)).toBe(false);
  });

  it('getObject reads one object by name with apiVersion and kind set', async () => {
    const api = await apiServer((hit) =>
      hit.path.endsWith('/gone') ? status(404, 'NotFound') : [200, { metadata: { name: 'a b' } }],
    );
    client = clientFor(api.url);
    const got = await getObject(client, configMaps, 'ns', 'a b');
    expect(got).toEqual({ metadata: { name: 'a b' }, apiVersion: 'v1', kind: 'ConfigMap' });
    expect(api.hits[0]!.path).toBe('/api/v1/namespaces/ns/configmaps/a%20b');
    expect(await getObject(client, configMaps, 'ns', 'gone')).toBeUndefined();
  });
});
