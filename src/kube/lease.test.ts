import { describe, expect, it } from 'vitest';
import { KubeApiError, type RequestSpec } from './client.ts';
import { type Lease, LeaseClient, leaseHolder, leaseState, microTime, takeOverSpec } from './lease.ts';

/** An in-memory Lease API with the server's rules: resourceVersion checked on PUT, 409 on a second POST. */
class FakeLeases {
  readonly items = new Map<string, Lease>();
  #version = 0;

  json<T>(spec: RequestSpec): Promise<T> {
    const name = /\/leases\/([^/]+)$/.exec(spec.path)?.[1];
    const body = spec.body as Lease | undefined;
    const fail = (status: number) =>
      Promise.reject(
        new KubeApiError(status === 409 ? 'CONFLICT' : 'NOT_FOUND', `status ${status}`, status, undefined),
      );
    const store = (lease: Lease) => {
      const stored = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(++this.#version) } };
      this.items.set(stored.metadata.name, stored);
      return Promise.resolve(stored as T);
    };
    if (spec.method === 'POST' && body !== undefined)
      return this.items.has(body.metadata.name) ? fail(409) : store(body);
    const current = name === undefined ? undefined : this.items.get(name);
    if (spec.method === 'PUT' && body !== undefined) {
      if (current === undefined) return fail(404);
      if (body.metadata.resourceVersion !== current.metadata.resourceVersion) return fail(409);
      return store(body);
    }
    if (spec.method === 'DELETE') {
      if (name === undefined || !this.items.delete(name)) return fail(404);
      return Promise.resolve({} as T);
    }
    return current === undefined ? fail(404) : Promise.resolve(current as T);
  }
}

const at = (iso: string) => new Date(iso);

describe('a Lease’s state', () => {
  const lease = (spec: Lease['spec']): Lease => ({ metadata: { name: 'l' }, spec });
  it('is free without a holder, held within its duration, expired after it', () => {
    const now = Date.parse('2026-01-01T00:01:00Z');
    const options = { defaultDurationSeconds: 30 };
    expect(leaseState(undefined, now, options)).toBe('free');
    expect(leaseState(lease({ holderIdentity: '' }), now, options)).toBe('free');
    const renewed = {
      holderIdentity: 'a',
      renewTime: '2026-01-01T00:00:45.000000Z',
      leaseDurationSeconds: 20,
    };
    expect(leaseState(lease(renewed), now, options)).toBe('held');
    expect(leaseState(lease({ ...renewed, leaseDurationSeconds: 10 }), now, options)).toBe('expired');
    // The default duration when the Lease has none; acquireTime when it was never renewed.
    expect(
      leaseState(lease({ holderIdentity: 'a', acquireTime: '2026-01-01T00:00:20.000000Z' }), now, options),
    ).toBe('expired');
    // Seen renewed on the caller's clock: skew between machines does not count.
    expect(
      leaseState(lease({ ...renewed, leaseDurationSeconds: 10 }), now, { ...options, renewedAt: now - 5000 }),
    ).toBe('held');
    expect(leaseState(lease({ holderIdentity: 'a', renewTime: 'garbage' }), now, options)).toBe('expired');
  });

  it('counts a transition whenever the holder changes, keeping the acquire time of a renewing holder', () => {
    const now = at('2026-01-01T00:00:00Z');
    const held: Lease = {
      metadata: { name: 'l' },
      spec: { holderIdentity: 'a', acquireTime: 'then', leaseTransitions: 3 },
    };
    expect(takeOverSpec(undefined, 'b', 15, now)).toEqual({
      holderIdentity: 'b',
      leaseDurationSeconds: 15,
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    });
    expect(takeOverSpec(held, 'b', 15, now)).toMatchObject({
      acquireTime: microTime(now),
      leaseTransitions: 4,
    });
    expect(takeOverSpec(held, 'a', 15, now)).toMatchObject({ acquireTime: 'then', leaseTransitions: 3 });
    expect(
      takeOverSpec({ ...held, spec: { ...held.spec, holderIdentity: null } }, 'a', 15, now),
    ).toMatchObject({
      leaseTransitions: 4,
    });
  });
});

describe('the Lease client', () => {
  it('creates when absent and answers a conflict, not an exception, to a second creator', async () => {
    const api = new FakeLeases();
    const leases = new LeaseClient(api, 'ns');
    const first = await leases.takeOverIfExpired('lock', undefined, 'a', 30);
    expect(first).toMatchObject({ ok: true, lease: { spec: { holderIdentity: 'a' } } });
    expect(await leases.takeOverIfExpired('lock', undefined, 'b', 30)).toEqual({
      ok: false,
      reason: 'conflict',
    });
    expect(leaseHolder(await leases.get('lock'))).toBe('a');
    expect(await leases.get('absent')).toBeUndefined();
  });

  it('refuses a Lease another holder renews, and takes it over once it expired', async () => {
    const api = new FakeLeases();
    const leases = new LeaseClient(api, 'ns');
    const t0 = at('2026-01-01T00:00:00Z');
    await leases.takeOverIfExpired('lock', undefined, 'a', 10, { now: t0 });
    const read = await leases.get('lock');
    const soon = { now: at('2026-01-01T00:00:05Z') };
    expect(await leases.takeOverIfExpired('lock', read, 'b', 10, soon)).toMatchObject({
      ok: false,
      reason: 'held',
    });
    const later = { now: at('2026-01-01T00:00:11Z') };
    const taken = await leases.takeOverIfExpired('lock', read, 'b', 10, later);
    expect(taken).toMatchObject({ ok: true, lease: { spec: { holderIdentity: 'b', leaseTransitions: 1 } } });
    // A second taker with the same (old) read loses the race on the resourceVersion.
    expect(await leases.takeOverIfExpired('lock', read, 'c', 10, later)).toEqual({
      ok: false,
      reason: 'conflict',
    });
  });

  it('renews only while the holder, and says lost (writing nothing) once another holds it', async () => {
    const api = new FakeLeases();
    const leases = new LeaseClient(api, 'ns');
    await leases.takeOverIfExpired('lock', undefined, 'a', 10, { now: at('2026-01-01T00:00:00Z') });
    const read = await leases.get('lock');
    if (read === undefined) throw new Error('no lease');
    const renewed = await leases.renewIfHolder(read, 'a', at('2026-01-01T00:00:03Z'));
    expect(renewed).toMatchObject({
      ok: true,
      lease: { spec: { renewTime: '2026-01-01T00:00:03.000000Z' } },
    });
    // A renewal with a stale read conflicts; one by a non-holder is lost without a write.
    expect(await leases.renewIfHolder(read, 'a')).toEqual({ ok: false, reason: 'conflict' });
    const version = api.items.get('lock')?.metadata.resourceVersion;
    expect(await leases.renewIfHolder(read, 'b')).toMatchObject({ ok: false, reason: 'lost' });
    expect(api.items.get('lock')?.metadata.resourceVersion).toBe(version);
  });

  it('releases by emptying the holder, only its own, and answers gone for a deleted Lease', async () => {
    const api = new FakeLeases();
    const leases = new LeaseClient(api, 'ns');
    const taken = await leases.takeOverIfExpired('lock', undefined, 'a', 10);
    if (!taken.ok) throw new Error('not taken');
    expect(await leases.release(taken.lease, 'b')).toMatchObject({ ok: false, reason: 'lost' });
    const released = await leases.release(taken.lease, 'a', { leaseDurationSeconds: 1 });
    expect(released).toMatchObject({ ok: true });
    expect(api.items.get('lock')?.spec).toEqual({
      leaseDurationSeconds: 1,
      acquireTime: taken.lease.spec?.acquireTime,
      leaseTransitions: 0,
    });
    await leases.delete('lock');
    await leases.delete('lock');
    expect(await leases.update(taken.lease, { renewTime: 'x' })).toEqual({ ok: false, reason: 'gone' });
  });

  it('throws what is not a race: a refusal by RBAC', async () => {
    const leases = new LeaseClient(
      {
        json: () =>
          Promise.reject(new KubeApiError('FORBIDDEN', 'cannot get resource "leases"', 403, 'Forbidden')),
      },
      'ns',
    );
    await expect(leases.get('lock')).rejects.toMatchObject({ status: 403 });
    await expect(leases.createIfAbsent({ name: 'lock' }, {})).rejects.toMatchObject({ status: 403 });
  });
});
