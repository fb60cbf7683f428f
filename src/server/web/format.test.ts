import { describe, expect, it } from 'vitest';
import {
  clusterTimelines,
  drillMarks,
  OWN_CLUSTER,
  rowsFromClusters,
  timeline,
  withDrills,
} from './fleet-model.ts';
import { bytes, duration, parseList, parseMapping, percent, relative } from './format.ts';

describe('dashboard formatting', () => {
  it('shows a share done only against a known total, never past 100', () => {
    expect(percent(0, 200)).toBe(0);
    expect(percent(199, 200)).toBe(99);
    expect(percent(200, 200)).toBe(100);
    expect(percent(300, 200)).toBe(100);
    expect(percent(5, undefined)).toBeUndefined();
    expect(percent(5, 0)).toBeUndefined();
  });

  it('shows durations, ages and sizes', () => {
    expect(duration(42)).toBe('42s');
    expect(duration(3600 + 300)).toBe('1h 5m');
    expect(duration(3 * 86_400)).toBe('3d');
    expect(relative('2026-12-07T00:00:00Z', Date.parse('2026-12-07T00:10:00Z'))).toBe('10m ago');
    expect(relative('2026-12-07T00:10:00Z', Date.parse('2026-12-07T00:00:00Z'))).toBe('in 10m');
    expect(relative('not a time')).toBe('—');
    expect(bytes(512)).toBe('512 B');
    expect(bytes(5 * 1024 * 1024)).toBe('5.0 MiB');
  });

  it('reads mappings and lists from the restore form, naming the line at fault', () => {
    expect(parseMapping('shop:shop-copy\n\n a = b ')).toEqual({ mapping: { shop: 'shop-copy', a: 'b' } });
    expect(parseMapping('shop')).toEqual({ error: '"shop" is not of the form old:new' });
    expect(parseList(' a, b  c,')).toEqual(['a', 'b', 'c']);
  });

  it('counts backups per day of the last week by how they ended', () => {
    const now = Date.parse('2026-12-07T12:00:00Z');
    const days = timeline(
      [
        { started: '2026-12-07T01:00:00Z', phase: 'Completed' },
        { started: '2026-12-07T02:00:00Z', phase: 'Failed' },
        { started: '2026-12-07T02:30:00Z', phase: 'PartiallyFailed' },
        { started: '2026-12-07T02:40:00Z', phase: 'FailedValidation' },
        { started: '2026-12-01T02:00:00Z', phase: 'Completed' },
        { started: '2026-11-20T02:00:00Z', phase: 'Completed' },
        { started: '2026-12-07T03:00:00Z', phase: 'InProgress' },
      ],
      [],
      now,
    );
    expect(days).toHaveLength(7);
    expect(days[6]).toEqual({ day: '12-07', completed: 1, partial: 1, failed: 2, drills: [] });
    expect(days[0]).toEqual({ day: '12-01', completed: 1, partial: 0, failed: 0, drills: [] });
  });

  it('gives every cluster of the fleet its own row, counting only its own backups and drills', () => {
    const now = Date.parse('2026-12-07T12:00:00Z');
    const at = '2026-12-07T01:00:00Z';
    const backups = [
      { cluster: 'east', started: at, phase: 'Completed' },
      { cluster: 'east', started: at, phase: 'Completed' },
      { cluster: 'west', started: at, phase: 'Failed' },
      { cluster: 'gone', started: '2026-12-05T01:00:00Z', phase: 'Completed' },
      { started: at, phase: 'Completed' },
    ];
    const drills = drillMarks({ items: [{ name: 'd', cluster: 'east', outcome: 'Passed', completed: at }] });
    const rows = clusterTimelines(['west', 'east', 'idle', 'east'], backups, drills, now);
    expect(rows.map((r) => r.cluster)).toEqual(['west', 'east', 'idle', 'gone', OWN_CLUSTER]);
    const today = (name: string) => rows.find((r) => r.cluster === name)?.days[6];
    expect(today('east')).toMatchObject({ completed: 2, failed: 0 });
    expect(today('east')?.drills.map((d) => d.name)).toEqual(['d']);
    expect(today('west')).toMatchObject({ completed: 0, failed: 1, drills: [] });
    expect(rows.find((r) => r.cluster === 'idle')?.days.every((d) => d.completed + d.failed === 0)).toBe(
      true,
    );
    expect(rows.find((r) => r.cluster === 'gone')?.days[4]?.completed).toBe(1);
    expect(rows.at(-1)).toMatchObject({ own: true });
    expect(today(OWN_CLUSTER)?.completed).toBe(1);
    // The server's own row is left out when it has nothing in the window and there is a fleet; kept without one.
    expect(clusterTimelines(['east'], [], [], now).map((r) => r.cluster)).toEqual(['east']);
    expect(clusterTimelines([], [], [], now).map((r) => r.cluster)).toEqual([OWN_CLUSTER]);
  });

  it('puts drills on the timeline, oldest first in a day, and gives a cluster its newest as last drill', () => {
    const now = Date.parse('2026-12-07T12:00:00Z');
    const drills = drillMarks({
      items: [
        {
          name: 'd-old',
          cluster: 'prod',
          outcome: 'Failed',
          started: '2026-12-07T01:00:00Z',
          completed: '2026-12-07T01:05:00Z',
        },
        {
          name: 'd-new',
          cluster: 'prod',
          outcome: 'Passed',
          rtoSeconds: 42,
          completed: '2026-12-07T09:00:00Z',
        },
        { name: 'd-week', cluster: 'dev', phase: 'Passed', completed: '2026-12-02T09:00:00Z' },
        { name: 'd-gone', cluster: 'dev', outcome: 'Passed', completed: '2026-10-01T09:00:00Z' },
        { name: 'no-time', cluster: 'dev', outcome: 'Passed', completed: '' },
        { cluster: 'dev', outcome: 'Passed', completed: '2026-12-02T09:00:00Z' },
        'garbage',
      ],
    });
    expect(drills.map((d) => d.name)).toEqual(['d-new', 'd-old', 'd-week', 'd-gone']);
    const days = timeline([], drills, now);
    expect(days[6]?.drills.map((d) => [d.name, d.passed])).toEqual([
      ['d-old', false],
      ['d-new', true],
    ]);
    expect(days[1]?.drills.map((d) => d.name)).toEqual(['d-week']);
    expect(days.flatMap((d) => d.drills)).toHaveLength(3);
    const rows = withDrills(
      [
        { cluster: 'prod', rpo: 'OK' },
        { cluster: 'dev', rpo: 'OK', lastDrill: { passed: false } },
        { cluster: 'none', rpo: 'OK' },
      ],
      drills,
    );
    expect(rows.map((r) => r.lastDrill)).toEqual([
      { passed: true, rtoSeconds: 42, at: '2026-12-07T09:00:00Z' },
      { passed: false },
      undefined,
    ]);
    expect(drillMarks({ items: 'no' })).toEqual([]);
  });

  it('reads the fleet API defensively: a row per schedule of a cluster, one for a cluster without any', () => {
    const rows = rowsFromClusters({
      items: [
        {
          name: 'prod',
          reachable: true,
          owner: 'replica-1',
          rpo: { state: 'breached', reason: 'nightly: late' },
          lastDrill: { phase: 'Passed', rtoSeconds: 90 },
          schedules: [
            {
              schedule: 'nightly',
              rpo: { state: 'breached', reason: 'late', objectiveSeconds: 3600 },
              lastSuccessful: { name: 'nightly-prod-20261206010000', started: 'a', completed: 'b' },
              nextRun: '2026-12-08T01:00:00.000Z',
            },
            { schedule: 'hourly', rpo: { state: 'at-risk' } },
            { rpo: { state: 'ok' } },
          ],
        },
        { rpo: { state: 'ok' } },
        { name: 'edge', reachable: false, reason: 'refused', rpo: { state: 'ok' }, schedules: [] },
        { name: 'dev', rpo: 'weird', owner: 7 },
      ],
    });
    expect(rows.map((r) => [r.cluster, r.schedule, r.rpo, r.owner])).toEqual([
      ['prod', 'nightly', 'BREACHED', 'replica-1'],
      ['prod', 'hourly', 'AT_RISK', 'replica-1'],
      ['edge', undefined, 'AT_RISK', undefined],
      ['dev', undefined, 'Unknown', undefined],
    ]);
    expect(rows[0]).toMatchObject({
      lastBackup: 'nightly-prod-20261206010000',
      lastBackupAt: 'b',
      nextRun: '2026-12-08T01:00:00.000Z',
      objectiveSeconds: 3600,
      lastDrill: { passed: true, rtoSeconds: 90, at: undefined },
    });
    expect(rows[2]?.rpoReason).toBe('unreachable: refused');
    expect(rowsFromClusters('nonsense')).toEqual([]);
  });
});
