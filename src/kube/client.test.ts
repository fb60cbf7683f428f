import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeApiError, KubeClient } from './client.ts';

/** A scripted HTTP server on loopback answering with the given statuses in turn. */
async function scripted(statuses: number[]): Promise<{ server: Server; url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    const status = statuses[Math.min(hits, statuses.length - 1)]!;
    hits++;
    res.writeHead(status, {
      'content-type': 'application/json',
      ...(status === 429 ? { 'retry-after': '0' } : {}),
    });
    res.end(
      JSON.stringify(
        status === 200
          ? { ok: true }
          : { kind: 'Status', message: `status ${status}`, reason: 'Testing', code: status },
      ),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${address.port}`, hits: () => hits };
}

function clientFor(url: string): KubeClient {
  const connection = {
    server: url,
    source: 'test',
    tls: { rejectUnauthorized: false },
    authorization: () => Promise.resolve('Bearer test-token'),
  };
  return new KubeClient(connection, { sleep: () => Promise.resolve() });
}

let server: Server | undefined;
afterEach(() => server?.close());

describe('KubeClient retries', () => {
  it('retries 429 (honouring Retry-After) and 503, then succeeds', async () => {
    const s = await scripted([429, 503, 200]);
    server = s.server;
    const client = clientFor(s.url);
    expect(await client.json({ path: '/api' })).toEqual({ ok: true });
    expect(s.hits()).toBe(3);
    client.close();
  });

  it('gives up on a lasting 500 after three attempts, with the server message', async () => {
    const s = await scripted([500]);
    server = s.server;
    const client = clientFor(s.url);
    const err = await client.json({ path: '/apis/x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).status).toBe(500);
    expect((err as KubeApiError).message).toContain('status 500');
    expect(s.hits()).toBe(3);
    client.close();
  });

  it('never retries 403 or 404, and classifies them', async () => {
    for (const [status, code] of [
      [403, 'FORBIDDEN'],
      [404, 'NOT_FOUND'],
    ] as const) {
      const s = await scripted([status, 200]);
      server = s.server;
      const client = clientFor(s.url);
      const err = (await client.json({ path: '/x' }).catch((e: unknown) => e)) as KubeApiError;
      expect(err.code).toBe(code);
      expect(s.hits()).toBe(1);
      client.close();
      s.server.close();
    }
  });

  it('sends the bearer token from the kubeconfig', async () => {
    let auth: string | undefined;
    server = createServer((req, res) => {
      auth = req.headers.authorization;
      res.end('{}');
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const client = clientFor(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
    await client.json({ path: '/version' });
    expect(auth).toBe('Bearer test-token');
    client.close();
  });

  it('sends a body nested deeper than JSON.stringify can go (the API server accepts ~10,000 levels)', async () => {
    let received = '';
    server = createServer((req, res) => {
      req.setEncoding('utf8');
      req.on('data', (c: string) => (received += c));
      req.on('end', () => res.end('{}'));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const client = clientFor(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
    let body: unknown = 1;
    for (let i = 0; i < 200_000; i++) body = { a: body };
    await client.json({ method: 'POST', path: '/x', body });
    expect(received).toBe(`${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}`);
    client.close();
  });
});
