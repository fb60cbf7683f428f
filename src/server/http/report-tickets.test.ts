import { describe, expect, it } from 'vitest';
import { ReportTickets, TICKET_TTL_MS } from './report-tickets.ts';

describe('report tickets', () => {
  let now = 1_800_000_000_000;
  const tickets = new ReportTickets({ now: () => now });

  it('open the report of the drill they were issued for, until they expire', () => {
    now = 1_800_000_000_000;
    const { ticket, expires } = tickets.issue('drill-a');
    expect(expires.getTime()).toBe(now + TICKET_TTL_MS);
    expect(tickets.valid(ticket, 'drill-a')).toBe(true);
    now += TICKET_TTL_MS - 1;
    expect(tickets.valid(ticket, 'drill-a')).toBe(true);
    now += 1;
    expect(tickets.valid(ticket, 'drill-a')).toBe(false);
  });

  it('refuse another drill, a forged MAC, a moved expiry, another key and garbage', () => {
    now = 1_800_000_000_000;
    const { ticket } = tickets.issue('drill-a');
    expect(tickets.valid(ticket, 'drill-b')).toBe(false);
    const [expiry, mac] = ticket.split('.') as [string, string];
    const flipped = `${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`;
    expect(tickets.valid(`${expiry}.${flipped}`, 'drill-a')).toBe(false);
    expect(tickets.valid(`${Number(expiry) - 1}.${mac}`, 'drill-a')).toBe(false);
    expect(new ReportTickets({ now: () => now }).valid(ticket, 'drill-a')).toBe(false);
    for (const bad of [undefined, 42, '', '.', `${expiry}.`, `x.${mac}`, `${ticket}=`, 'a'.repeat(500)])
      expect(tickets.valid(bad, 'drill-a')).toBe(false);
  });

  it('refuse an expiry further ahead than a ticket lives', () => {
    const key = Buffer.alloc(32, 7);
    now = 1_800_000_000_000;
    const later = new ReportTickets({ key, now: () => now + 10 * TICKET_TTL_MS }).issue('d').ticket;
    expect(new ReportTickets({ key, now: () => now }).valid(later, 'd')).toBe(false);
  });
});
