/**
 * Live updates: the server's change feed (GET /api/v1/events, server-sent events read with fetch so
 * the bearer token goes in a header — EventSource cannot send one). It names the topics that
 * changed, never data: the pages ask the API again. While it is connected, pages poll rarely; when
 * it is not (an older server, a proxy that buffers), they poll as before.
 */
import { session } from './api.ts';

const listeners = new Set<() => void>();
let live = false;
let running = false;
const RETRY_MS = 5000;

/** True while the change feed is connected. */
export const isLive = (): boolean => live;

/** Calls `listener` on every change the server announces; returns the unsubscribe. */
export function onChange(listener: () => void): () => void {
  listeners.add(listener);
  if (!running) void follow();
  return () => listeners.delete(listener);
}

/** The blocks of a server-sent event stream in `text`, and what is left of an unfinished one. */
export function eventBlocks(text: string): { events: string[]; rest: string } {
  const blocks = text.replaceAll('\r\n', '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  const events = blocks.flatMap((b) => (/^event: ?change$/m.test(b) ? ['change'] : []));
  return { events, rest };
}

async function readFeed(token: string): Promise<'again' | 'stop'> {
  const res = await fetch('/api/v1/events', {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    cache: 'no-store',
  });
  // No feed on this server (404), or no longer signed in (401, 403): polling only.
  if (res.status === 404 || res.status === 401 || res.status === 403) return 'stop';
  if (!res.ok || res.body === null) return 'again';
  live = true;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done || session.token() !== token) return 'again';
      const read = eventBlocks(rest + value);
      rest = read.rest.slice(-65_536);
      if (read.events.length > 0) for (const l of [...listeners]) l();
    }
  } finally {
    live = false;
    void reader.cancel().catch(() => undefined);
  }
}

async function follow(): Promise<void> {
  running = true;
  try {
    for (;;) {
      const token = session.token();
      if (token === null || listeners.size === 0) return;
      const next = await readFeed(token).catch(() => 'again' as const);
      if (next === 'stop') return;
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  } finally {
    running = false;
    live = false;
  }
}
