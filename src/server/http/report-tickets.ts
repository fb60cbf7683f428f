import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a ticket opens its report: long enough for a frame to load, too short to be worth stealing. */
export const TICKET_TTL_MS = 60_000;

const PURPOSE = 'lifeboat drill report v1';

export interface Ticket {
  ticket: string;
  expires: Date;
}

/**
 * Tickets that open one drill's HTML report in a frame of the dashboard. A frame cannot send the
 * bearer token, and the token must never be in a cookie or a URL; so an authenticated POST gets a
 * ticket — `<expiry ms>.<HMAC-SHA256 of purpose, drill and expiry>` under the replicas' shared key
 * (server/ticket-key.ts; without one, a key this process drew at start) — that the report's GET
 * accepts instead, for that drill only, until it expires (60 s). Nothing is stored: a ticket is
 * checked by recomputing its MAC (constant time), so any replica with the key checks it.
 */
export class ReportTickets {
  readonly #key: Buffer;
  readonly #now: () => number;

  constructor(options: { key?: Buffer | undefined; now?: () => number } = {}) {
    this.#key = options.key ?? randomBytes(32);
    this.#now = options.now ?? Date.now;
  }

  #mac(drill: string, expires: number): Buffer {
    return createHmac('sha256', this.#key).update(`${PURPOSE}\u0000${drill}\u0000${expires}`).digest();
  }

  issue(drill: string): Ticket {
    const expires = this.#now() + TICKET_TTL_MS;
    return {
      ticket: `${expires}.${this.#mac(drill, expires).toString('base64url')}`,
      expires: new Date(expires),
    };
  }

  /** Whether `ticket` was issued here for `drill` and has not expired. */
  valid(ticket: unknown, drill: string): boolean {
    if (typeof ticket !== 'string' || ticket.length > 100) return false;
    const m = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(ticket);
    if (m === null) return false;
    const expires = Number(m[1]);
    const now = this.#now();
    if (expires <= now || expires > now + TICKET_TTL_MS) return false;
    const given = Buffer.from(m[2] ?? '', 'base64url');
    const want = this.#mac(drill, expires);
    return given.length === want.length && timingSafeEqual(given, want);
  }
}
