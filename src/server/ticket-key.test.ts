import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log/index.ts';
import { sharedTicketKey, TICKET_KEY_SECRET } from './ticket-key.ts';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server === undefined ? r() : server.close(() => r()))));

interface Hit {
  method: string;
  path: string;
  body: string;
}

/** A loopback API server answering each request with `answer`'s status and body. */
async function apiServer(
  answer: (hit: Hit) => [number, unknown],
): Promise<{ data: { text: string; source: string }; hits: Hit[] }> {
  const hits: Hit[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const hit = { method: req.method ?? 'GET', path: new URL(req.url ?? '/', 'http://x').pathname, body };
      hits.push(hit);
      const [status, answerBody] = answer(hit);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answerBody));
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: `http://127.0.0.1:${port}` } }],
    users: [{ name: 'u', user: {} }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'x',
  };
  return { data: { text: JSON.stringify(kubeconfig), source: 'test' }, hits };
}

const status = (code: number, reason: string): [number, unknown] => [
  code,
  { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `status ${code}`, reason, code },
];

function logger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  return {
    logger: createLogger({
      format: 'json',
      level: 'info',
      destination: { write: (l: string) => lines.push(l) },
    }),
    lines,
  };
}

const path = `/api/v1/namespaces/lb/secrets/${TICKET_KEY_SECRET}`;

describe("the replicas' shared ticket key", () => {
  it('is created create-only by the first replica, with the key it answers', async () => {
    const api = await apiServer((h) => (h.method === 'GET' ? status(404, 'NotFound') : [201, {}]));
    const log = logger();
    const key = await sharedTicketKey({
      kube: { kubeconfigData: api.data },
      namespace: 'lb',
      logger: log.logger,
    });
    expect(key.length).toBe(32);
    const post = api.hits.find((h) => h.method === 'POST');
    expect(post?.path).toBe('/api/v1/namespaces/lb/secrets');
    const sent = JSON.parse(post?.body ?? '{}') as { metadata: { name: string }; data: { key: string } };
    expect(sent.metadata.name).toBe(TICKET_KEY_SECRET);
    expect(Buffer.from(sent.data.key, 'base64').equals(key)).toBe(true);
    expect(log.lines).toEqual([]);
  });

  it('is read from the Secret another replica made, also when that replica won the race', async () => {
    const theirs = Buffer.alloc(32, 9);
    let made = false;
    const api = await apiServer((h) => {
      if (h.method === 'POST') {
        made = true;
        return status(409, 'AlreadyExists');
      }
      return made ? [200, { data: { key: theirs.toString('base64') } }] : status(404, 'NotFound');
    });
    const log = logger();
    const key = await sharedTicketKey({
      kube: { kubeconfigData: api.data },
      namespace: 'lb',
      logger: log.logger,
    });
    expect(key.equals(theirs)).toBe(true);
    expect(api.hits.map((h) => `${h.method} ${h.path}`)).toEqual([
      `GET ${path}`,
      'POST /api/v1/namespaces/lb/secrets',
      `GET ${path}`,
    ]);
  });

  it('falls back to a key of its own, saying so without the key, on a short key or a refusal', async () => {
    const short = Buffer.from('short').toString('base64');
    for (const answer of [[200, { data: { key: short } }], status(403, 'Forbidden')] as [number, unknown][]) {
      const api = await apiServer(() => answer);
      const log = logger();
      const key = await sharedTicketKey({
        kube: { kubeconfigData: api.data },
        namespace: 'lb',
        logger: log.logger,
      });
      expect(key.length).toBe(32);
      expect(log.lines.join('')).toContain('open reports on this replica only');
      expect(log.lines.join('')).not.toContain(short);
      expect(log.lines.join('')).not.toContain(key.toString('base64'));
      await new Promise<void>((r) => server?.close(() => r()));
      server = undefined;
    }
  });
});
