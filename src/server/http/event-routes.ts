import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { AUTHENTICATED } from './route-access.ts';

/** How often the server looks for a change (in memory: the index, the runs, the config). */
const TICK_MS = 1000;
/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** Open streams at most; more are refused (the client polls instead). */
const MAX_STREAMS = 100;

const fingerprint = (v: unknown) =>
  createHash('sha256').update(JSON.stringify(v)).digest('base64url').slice(0, 22);

/**
 * Each topic's state as a fingerprint: a topic whose fingerprint changed is announced. Only what
 * the server holds in memory is read (the synced index, the runs, restores in progress, the config,
 * the leader), never the store.
 */
export function topicFingerprints(ctx: ServerContext): Map<string, string> {
  const active = ctx.scheduler.active().map((r) => [r.name, r.state]);
  const config = ctx.config();
  return new Map([
    [
      'backups',
      fingerprint([
        ctx.index.backups().map((b) => [b.location, b.name, b.phase, b.completed?.getTime()]),
        active,
      ]),
    ],
    ['restores', fingerprint([...ctx.restoring].map(([n, r]) => [n, r.step, r.done, r.failed]))],
    ['schedules', fingerprint([(config.schedules ?? []).map((s) => [s.name, s.schedule, s.paused]), active])],
    ['clusters', fingerprint([(config.clusters ?? []).map((c) => c.name), [...ctx.fleet.owned()].sort()])],
    ['server', fingerprint(ctx.leader())],
  ]);
}

/** Compares the fingerprints every TICK_MS while anyone listens, and tells the listeners what changed. */
export class ChangeFeed {
  readonly #read: () => Map<string, string>;
  readonly #listeners = new Set<(topics: string[]) => void>();
  #last: Map<string, string> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(read: () => Map<string, string>) {
    this.#read = read;
  }

  get size(): number {
    return this.#listeners.size;
  }

  subscribe(listener: (topics: string[]) => void): () => void {
    this.#listeners.add(listener);
    if (this.#timer === undefined) {
      this.#last = this.#read();
      this.#timer = setInterval(() => this.tick(), TICK_MS);
      this.#timer.unref();
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size > 0 || this.#timer === undefined) return;
      clearInterval(this.#timer);
      this.#timer = undefined;
    };
  }

  /** One comparison: the topics whose fingerprint changed since the last, told to every listener. */
  tick(): string[] {
    const now = this.#read();
    const changed = [...now].filter(([topic, f]) => this.#last?.get(topic) !== f).map(([topic]) => topic);
    this.#last = now;
    if (changed.length > 0) for (const l of this.#listeners) l(changed);
    return changed;
  }
}

/**
 * GET /api/v1/events: server-sent events (text/event-stream) saying which topics changed —
 * `event: change` with `{"topics":["backups",…]}` — never the data itself: a client asks the API
 * again, with its own credentials and RBAC. Any valid credentials may listen (the stream names only
 * topics). Browsers read it with fetch, which sends the bearer token (EventSource cannot send a
 * header, and the token is never in a URL or a cookie). Streams end when the server closes.
 */
export function eventRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const feed = new ChangeFeed(() => topicFingerprints(ctx));
  const open = new Set<ServerResponse>();
  // Before the server waits for its connections to end: an open stream would never end on its own.
  app.addHook('preClose', (done) => {
    for (const res of open) res.end();
    done();
  });
  app.get('/api/v1/events', AUTHENTICATED, (req, reply) => {
    if (open.size >= MAX_STREAMS)
      return reply.code(503).send({
        error: 'UNREACHABLE',
        message: 'too many event streams are open',
        hint: 'poll the API instead',
      });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    });
    res.write(': lifeboat change feed\n\n');
    open.add(res);
    const unsubscribe = feed.subscribe((topics) =>
      res.write(`event: change\ndata: ${JSON.stringify({ topics })}\n\n`),
    );
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    res.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(res);
    });
    return reply;
  });
}
