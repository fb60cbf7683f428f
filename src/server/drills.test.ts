import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { DrillReport, DrillRequest } from '../app/drill/index.ts';
import type { LifeboatConfig } from '../config/index.ts';
import { silentLogger } from '../log/index.ts';
import { createDrillMetrics, DrillScheduler } from './drills.ts';

const config = (overrides: Partial<LifeboatConfig> = {}): LifeboatConfig => ({
  path: '/c.yaml',
  apiVersion: 'lifeboat.io/v1alpha1',
  kind: 'Config',
  locations: [],
  clusters: [
    { name: 'prod-a', kubeconfig: '/a', standby: { kubeconfig: '/standby' } },
    { name: 'prod-b', kubeconfig: '/b', standby: { kubeconfig: '/standby' } },
  ],
  drills: [
    { name: 'monthly-a', cluster: 'prod-a', schedule: '0 3 1 * *' },
    { name: 'monthly-b', cluster: 'prod-b', schedule: '0 3 1 * *' },
  ],
  ...overrides,
});

function scheduler(
  options: {
    restoring?: number;
    owns?: (cluster: string) => boolean;
    standbyOf?: (cluster: string) => { kubeconfig?: string } | undefined;
    config?: LifeboatConfig;
  } = {},
) {
  let now = new Date('2026-11-30T12:00:00Z');
  const registry = new Registry();
  const started: DrillRequest[] = [];
  const finish = new Map<string, (r: Partial<DrillReport>) => void>();
  const s = new DrillScheduler({
    configPath: undefined,
    logger: silentLogger(),
    config: () => options.config ?? config(),
    metrics: createDrillMetrics(registry),
    restoresInto: () => options.restoring ?? 0,
    ...(options.owns === undefined ? {} : { owns: options.owns }),
    ...(options.standbyOf === undefined ? {} : { standbyOf: options.standbyOf }),
    now: () => now,
    run: (request) =>
      new Promise((resolve) => {
        started.push(request);
        finish.set(request.cluster, (r) =>
          resolve({
            cluster: request.cluster,
            outcome: 'Passed',
            rtoSeconds: 95,
            completionTimestamp: '2026-12-01T03:05:00.000Z',
            ...r,
          } as DrillReport),
        );
      }),
  });
  return { s, registry, started, finish, at: (iso: string) => (now = new Date(iso)) };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('scheduled drills', () => {
  it('run at their cron time, one at a time per standby: a drill due while another runs there is skipped', async () => {
    const { s, started, finish, at } = scheduler();
    s.tick(); // learns the next times
    at('2026-12-01T03:00:00Z');
    s.tick();
    expect(started.map((r) => r.cluster)).toEqual(['prod-a']);
    expect(started[0]?.name).toBe('drill-monthly-a-20261201030000');
    expect(s.skipped).toEqual([
      {
        schedule: 'monthly-b',
        due: '2026-12-01T03:00:00.000Z',
        reason: 'drill drill-monthly-a-20261201030000 is still running in the same standby',
      },
    ]);
    finish.get('prod-a')?.({});
    await flush();
    expect(s.active()).toEqual([]);
  });

  it('never overlap a restore the server runs into the standby', () => {
    const { s, started, at } = scheduler({ restoring: 1 });
    s.tick();
    at('2026-12-01T03:00:00Z');
    s.tick();
    expect(started).toEqual([]);
    expect(s.skipped.map((k) => k.reason)).toEqual([
      'a restore into the standby is running',
      'a restore into the standby is running',
    ]);
  });

  it('set the drill metrics of the cluster from the outcome', async () => {
    const { s, registry, finish, at } = scheduler();
    s.tick();
    at('2026-12-01T03:00:00Z');
    s.tick();
    finish.get('prod-a')?.({});
    await flush();
    const text = await registry.metrics();
    expect(text).toContain('lifeboat_drill_passed{cluster="prod-a"} 1');
    expect(text).toContain('lifeboat_drill_rto_seconds{cluster="prod-a"} 95');
    expect(text).toContain(
      `lifeboat_drill_last_success_timestamp_seconds{cluster="prod-a"} ${Date.parse('2026-12-01T03:05:00.000Z') / 1000}`,
    );
  });

  it('count a drill that lost the standby lock, and set it failed', async () => {
    const { s, registry, finish, at } = scheduler();
    s.tick();
    at('2026-12-01T03:00:00Z');
    s.tick();
    finish.get('prod-a')?.({
      outcome: 'Failed',
      rtoSeconds: undefined,
      lockLost: { holder: 'restore r-1', noticedAt: '2026-12-01T03:01:00.000Z', message: 'taken over' },
    });
    await flush();
    const text = await registry.metrics();
    expect(text).toContain('lifeboat_drill_passed{cluster="prod-a"} 0');
    expect(text).toContain('lifeboat_drill_lock_lost_total{cluster="prod-a"} 1');
    expect(text).not.toContain('lifeboat_drill_last_success_timestamp_seconds{cluster="prod-a"}');
  });

  it('run only on the replica that owns the cluster, and drill a discovered cluster into its own standby', () => {
    const discovered = config({
      drills: [
        { name: 'monthly-a', cluster: 'prod-a', schedule: '0 3 1 * *' },
        { name: 'monthly-wl', cluster: 'wl', schedule: '0 3 1 * *' },
      ],
    });
    const standbys: Record<string, { kubeconfig?: string } | undefined> = {
      'prod-a': { kubeconfig: '/standby' },
      wl: { kubeconfig: '/other-standby' },
    };
    const { s, started, at } = scheduler({
      config: discovered,
      owns: (c) => c === 'wl',
      standbyOf: (c) => standbys[c],
    });
    s.tick();
    at('2026-12-01T03:00:00Z');
    s.tick();
    expect(started.map((r) => r.cluster)).toEqual(['wl']);
    expect(started[0]).toMatchObject({ name: 'drill-monthly-wl-20261201030000', waitLock: true });
    // The cluster this replica does not own is another replica's to run: not skipped here.
    expect(s.skipped).toEqual([]);
  });

  it('skip a drill of a cluster without a standby, saying where one is looked for', () => {
    const { s, started, at } = scheduler({ standbyOf: () => undefined });
    s.tick();
    at('2026-12-01T03:00:00Z');
    s.tick();
    expect(started).toEqual([]);
    expect(s.skipped[0]?.reason).toBe('cluster prod-a has no standby (in the config or its annotation)');
  });
});
