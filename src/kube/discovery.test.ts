import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeClient } from './client.ts';
import { discoverResources, discoverResourcesClassic } from './discovery.ts';

const VERBS = ['get', 'list', 'watch'];

/** What an API server older than 1.26 answers, whatever the Accept header asks for. */
const CLASSIC: Record<string, unknown> = {
  '/api': { kind: 'APIVersions', versions: ['v1'] },
  '/apis': {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [
      {
        name: 'apps',
        versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
        preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
      },
    ],
  },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: VERBS, shortNames: ['po'] },
      { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
    ],
  },
  '/apis/apps/v1': {
    kind: 'APIResourceList',
    groupVersion: 'apps/v1',
    resources: [
      { name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment', verbs: VERBS },
    ],
  },
};

function aggregated(items: unknown[]): unknown {
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

/** The same resources as aggregated discovery documents. */
const AGGREGATED: Record<string, unknown> = {
  '/api': aggregated([
    {
      metadata: {},
      versions: [
        {
          version: 'v1',
          resources: [
            {
              resource: 'pods',
              responseKind: { group: '', version: '', kind: 'Pod' },
              scope: 'Namespaced',
              singularResource: 'pod',
              verbs: VERBS,
              shortNames: ['po'],
              subresources: [{ subresource: 'log', verbs: ['get'] }],
            },
          ],
        },
      ],
    },
  ]),
  '/apis': aggregated([
    {
      metadata: { name: 'apps' },
      versions: [
        {
          version: 'v1',
          resources: [
            {
              resource: 'deployments',
              responseKind: { group: '', version: '', kind: 'Deployment' },
              scope: 'Namespaced',
              singularResource: 'deployment',
              verbs: VERBS,
            },
          ],
        },
      ],
    },
  ]),
};

let server: Server | undefined;
afterEach(() => server?.close());

/** A loopback server answering GETs from `aggregatedBodies` when the Accept header asks for them, else `CLASSIC`. */
async function apiServer(
  aggregatedBodies: Record<string, unknown>,
): Promise<{ client: KubeClient; requests: string[] }> {
  const requests: string[] = [];
  server = createServer((req: IncomingMessage, res) => {
    const path = req.url ?? '';
    requests.push(path);
    const wantsAggregated = (req.headers.accept ?? '').includes('as=APIGroupDiscoveryList');
    const body = (wantsAggregated ? aggregatedBodies[path] : undefined) ?? CLASSIC[path];
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { kind: 'Status', code: 404, reason: 'NotFound' }));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  const client = new KubeClient({
    server: `http://127.0.0.1:${port}`,
    source: 'test',
    tls: { rejectUnauthorized: false },
    authorization: () => Promise.resolve(undefined),
  });
  return { client, requests };
}

describe('discoverResources', () => {
  it('takes everything from the two aggregated documents when the server sends them', async () => {
    const { client, requests } = await apiServer(AGGREGATED);
    const aggregatedResult = await discoverResources(client);
    expect(requests.sort()).toEqual(['/api', '/apis']);
    expect(aggregatedResult).toEqual(await discoverResourcesClassic(client));
    expect(aggregatedResult.resources.map((r) => r.groupResource)).toEqual(['pods', 'deployments.apps']);
    client.close();
  });

  it('falls back to the classic walk when the server answers with APIVersions / APIGroupList', async () => {
    const { client, requests } = await apiServer({});
    const found = await discoverResources(client);
    expect(requests.filter((p) => p === '/apis')).toHaveLength(1); // the plain answer is reused
    expect(requests).toContain('/apis/apps/v1');
    expect(found.resources.map((r) => `${r.apiVersion} ${r.resource}`)).toEqual([
      'v1 pods',
      'apps/v1 deployments',
    ]);
    expect(found.failedGroups).toEqual([]);
    client.close();
  });

  it('falls back when only one of /api and /apis is aggregated', async () => {
    const { client } = await apiServer({ '/api': AGGREGATED['/api'] });
    expect((await discoverResources(client)).resources.map((r) => r.groupResource)).toEqual([
      'pods',
      'deployments.apps',
    ]);
    client.close();
  });
});
