/**
 * The standby's lock against a real API server (the harness's standby): a Lease of its own name per
 * test file in kube-system, so the drills and restores of other files never see it. Two takers in one
 * process stand for two lifeboat processes: all they share is the Lease.
 */
import { once } from 'node:events';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  STANDBY_LOCK_NAMESPACE,
  type StandbyLockRequest,
  takeStandbyLock,
} from '../../src/app/standby-lock/index.ts';
import { LifeboatError } from '../../src/errors/index.ts';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import { uniqueName } from '../helpers/kube.ts';

const env = inject('harness');
const client = new KubeClient(loadKubeConfig({ kubeconfig: env.clusters['standby']!.kubeconfig }));
const name = uniqueName('lock-test');
const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${STANDBY_LOCK_NAMESPACE}/leases/${name}`;

interface Lease {
  metadata: { resourceVersion: string };
  spec: { holderIdentity?: string; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

const take = (purpose: string, extra: Partial<StandbyLockRequest> = {}) =>
  takeStandbyLock({ client, purpose, name, logger: silentLogger(), pollMs: 200, ...extra });
const lease = () => client.json<Lease>({ path: leasePath });

afterAll(async () => {
  await client.json({ method: 'DELETE', path: leasePath }).catch(() => undefined);
  client.close();
});

describe('the standby lock', { timeout: 60_000 }, () => {
  it('refuses a second taker, naming the holder and since when, and hands over on release to a waiting one', async () => {
    const first = await take('drill drill-a');
    expect(first.holder).toMatch(/^drill drill-a \(pid \d+ on /);
    const held = await lease();
    expect(held.spec.holderIdentity).toBe(first.holder);

    const refused = await take('restore r-1').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(LifeboatError);
    expect(refused).toMatchObject({ code: 'CONFLICT' });
    const message = (refused as LifeboatError).message;
    expect(message).toContain(`is locked by ${first.holder} since ${held.spec.acquireTime}`);
    expect((refused as LifeboatError).hint).toContain('--wait-lock');

    let waited = false;
    const waiting = take('restore r-2', { wait: true }).then((lock) => {
      waited = true;
      return lock;
    });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(waited).toBe(false);
    await first.release();
    const second = await waiting;
    expect((await lease()).spec.holderIdentity).toBe(second.holder);
    await second.release();
    expect((await lease()).spec.holderIdentity).toBeUndefined();
  });

  it('takes over a lock whose holder stopped renewing it, and the old holder learns it lost it', async () => {
    const stale = await take('drill drill-gone', { leaseSeconds: 3 });
    // A process that stopped: it no longer renews (its timer is gone with it).
    await stale.release();
    const before = await lease();
    await client.json({
      method: 'PUT',
      path: leasePath,
      body: {
        ...before,
        spec: {
          ...before.spec,
          holderIdentity: 'drill drill-gone (pid 1 on elsewhere)',
          acquireTime: '2020-01-01T00:00:00.000000Z',
          renewTime: '2020-01-01T00:00:10.000000Z',
          leaseDurationSeconds: 30,
        },
      },
    });
    const taker = await take('restore r-3', { leaseSeconds: 3 });
    const taken = await lease();
    expect(taken.spec.holderIdentity).toBe(taker.holder);
    expect(taken.spec.leaseTransitions).toBe((before.spec.leaseTransitions ?? 0) + 1);

    // Another writer replaces the holder behind the taker's back: its next renewal sees it and says so.
    await client.json({
      method: 'PUT',
      path: leasePath,
      body: { ...taken, spec: { ...taken.spec, holderIdentity: 'someone else' } },
    });
    await once(taker.lost, 'abort');
    expect(String(taker.lost.reason)).toContain('taken over by someone else');
    await taker.release();
    expect((await lease()).spec.holderIdentity).toBe('someone else');
  });

  it('renews the lock while it is held', async () => {
    await client.json({ method: 'DELETE', path: leasePath });
    const lock = await take('drill drill-long', { leaseSeconds: 3 });
    const first = (await lease()).spec.renewTime;
    let renewed = false;
    for (let i = 0; i < 100 && !renewed; i++) {
      await new Promise((r) => setTimeout(r, 200));
      renewed = (await lease()).spec.renewTime !== first;
    }
    expect(renewed).toBe(true);
    expect(lock.lost.aborted).toBe(false);
    await lock.release();
  });
});
