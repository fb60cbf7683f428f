import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/**
 * Headers on every answer (installed before any route): no sniffing, no referrer, never framed (but
 * where a route allows its own origin); and
 * ETags on the API's JSON answers to GET: a client that polls (the dashboard) sends the ETag it
 * has as If-None-Match and gets 304 without a body while nothing changed. Answers are never stored
 * by a browser's cache (they are the caller's data): `cache-control: no-store`.
 */
export function responseHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    // Never framed, unless a route says otherwise (a drill report in the dashboard's own frame).
    if (!reply.hasHeader('x-frame-options')) reply.header('x-frame-options', 'DENY');
    if (!req.url.startsWith('/api/')) return payload;
    reply.header('cache-control', 'no-store');
    if (req.method !== 'GET' || reply.statusCode !== 200 || typeof payload !== 'string') return payload;
    const etag = `"${createHash('sha256').update(payload).digest('base64url').slice(0, 27)}"`;
    reply.header('etag', etag);
    if (req.headers['if-none-match'] !== etag) return payload;
    reply.code(304);
    return '';
  });
}
