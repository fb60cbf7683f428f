import { describe, expect, it } from 'vitest';
import {
  buildManifest,
  checkManifest,
  decideOutcome,
  DrillReportSchema,
  isBarePod,
  isWorkloadReady,
  PhaseTimeline,
  podWhy,
  renderDrillHtml,
  renderDrillMarkdown,
  selects,
} from './index.ts';
import { sampleReport } from './testing.ts';
import type { KubeObject } from '../model/index.ts';

const facts = (overrides: Parameters<typeof sampleReport>[0] = {}) => {
  const { outcome: _o, reasons: _r, rtoSeconds: _t, ...rest } = sampleReport(overrides);
  return rest;
};

describe('the outcome of a drill', () => {
  it('passes with its RTO the end of the last phase before clean-up', () => {
    const r = decideOutcome(facts(), true);
    expect(r.outcome).toBe('Passed');
    expect(r.reasons).toEqual([]);
    expect(r.rtoSeconds).toBe(95.5);
  });

  it('fails when the measured RTO exceeds the objective, saying both', () => {
    const r = decideOutcome(facts({ objectives: { rtoSeconds: 60 } }), true);
    expect(r.outcome).toBe('Failed');
    expect(r.reasons).toEqual(['RTO 95.5 s exceeds the objective of 60 s']);
  });

  it('fails on a blocking finding, with no RTO since nothing was restored', () => {
    const r = decideOutcome(
      facts({
        findings: [{ severity: 'blocking', code: 'STORAGE_CLASS_MISSING', message: 'x', hint: 'y' }],
        restore: undefined,
        phases: [{ name: 'check', startMs: 0, endMs: 3000 }],
      }),
      false,
    );
    expect(r.outcome).toBe('Failed');
    expect(r.rtoSeconds).toBeUndefined();
    expect(r.reasons[0]).toContain('STORAGE_CLASS_MISSING');
  });

  it('fails a drill that lost the standby lock, naming the new holder, since when and when it stopped', () => {
    const r = decideOutcome(
      facts({
        lockLost: {
          holder: 'restore r-9 (pid 7 on elsewhere)',
          since: '2026-01-01T03:00:31.000000Z',
          noticedAt: '2026-01-01T03:00:40.000Z',
          message:
            'the standby lock was taken over by restore r-9 (pid 7 on elsewhere) since 2026-01-01T03:00:31.000000Z',
        },
      }),
      false,
    );
    expect(r.outcome).toBe('Failed');
    expect(r.rtoSeconds).toBeUndefined();
    expect(r.reasons).toEqual([
      'the standby lock was taken over by restore r-9 (pid 7 on elsewhere) since 2026-01-01T03:00:31.000000Z; the drill stopped at 2026-01-01T03:00:40.000Z',
    ]);
    expect(renderDrillMarkdown(r)).toContain('| Standby lock | lost at 2026-01-01T03:00:40.000Z');
  });

  it('names each workload not ready, a failed verify, bad volumes (claim and paths) and an interruption', () => {
    const r = decideOutcome(
      {
        ...facts({
          workloads: [
            { kind: 'Deployment', namespace: 'shop', name: 'web', ready: false, reason: 'pod Pending' },
          ],
          verify: {
            ok: false,
            checked: 2,
            identical: 1,
            mismatches: [{ resource: 'configmaps', name: 'a', problem: 'missing', differences: [] }],
          },
          volumes: [
            { namespace: 'shop', pod: 'db-0', volume: 'data', snapshotID: 's', phase: 'Failed', ok: false },
            {
              namespace: 'shop',
              pod: 'db-1',
              volume: 'data',
              pvc: 'data-db-1',
              snapshotID: 't',
              phase: 'Completed',
              ok: false,
              reason: '1 path(s) differ from the snapshot: pg/base/1 is missing (the snapshot has a file)',
            },
          ],
          interrupted: true,
        }),
      },
      false,
    );
    expect(r.reasons).toEqual([
      'the drill was interrupted before it ended',
      '1 workload(s) not ready: Deployment shop/web',
      'restore verify found 1 object(s) missing or different',
      'volume data check failed for shop/db-0/data, PVC shop/data-db-1, shop/db-1/data (1 path(s) differ from the snapshot: pg/base/1 is missing (the snapshot has a file))',
    ]);
  });

  it('fails when the backup was older than the RPO objective at the start', () => {
    const r = decideOutcome(facts({ objectives: { rpoSeconds: 3600 } }), true);
    expect(r.reasons).toEqual(['RPO 8100 s (backup age) exceeds the objective of 3600 s']);
  });
});

describe('the phase timeline', () => {
  it('records each phase from its start to its end, a phase begun again extending the first', async () => {
    let now = 1000;
    const t = new PhaseTimeline(() => now);
    t.begin('download');
    now = 3000;
    t.begin('plan');
    now = 3500;
    t.begin('download');
    now = 4000;
    await t.time('readiness', () => {
      now = 9000;
      return Promise.resolve();
    });
    expect(t.phases()).toEqual([
      { name: 'download', startMs: 0, endMs: 3000 },
      { name: 'plan', startMs: 2000, endMs: 2500 },
      { name: 'readiness', startMs: 3000, endMs: 8000 },
    ]);
  });
});

const deployment = (status: object, spec: object = { replicas: 2 }): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', generation: 2 },
  spec: { ...spec, selector: { matchLabels: { app: 'web' } } },
  status: { observedGeneration: 2, ...status },
});

describe('workload readiness', () => {
  it('wants a Deployment available with every replica, once its controller has seen it', () => {
    const available = { type: 'Available', status: 'True' };
    expect(isWorkloadReady('Deployment', deployment({ availableReplicas: 2, conditions: [available] }))).toBe(
      true,
    );
    expect(isWorkloadReady('Deployment', deployment({ availableReplicas: 1, conditions: [available] }))).toBe(
      false,
    );
    expect(
      isWorkloadReady(
        'Deployment',
        deployment({ availableReplicas: 2, conditions: [available], observedGeneration: 1 }),
      ),
    ).toBe(false);
    expect(isWorkloadReady('Deployment', deployment({}, { replicas: 0 }))).toBe(true);
  });

  it('wants StatefulSets ready, DaemonSets available where scheduled, bare pods Running and Ready', () => {
    const sts = { ...deployment({ readyReplicas: 2 }), kind: 'StatefulSet' };
    expect(isWorkloadReady('StatefulSet', sts)).toBe(true);
    const ds = {
      ...deployment({ numberAvailable: 1, desiredNumberScheduled: 1, numberMisscheduled: 0 }),
      kind: 'DaemonSet',
    };
    expect(isWorkloadReady('DaemonSet', ds)).toBe(true);
    const pod = (phase: string, ready: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'shop' },
      status: { phase, conditions: [{ type: 'Ready', status: ready }] },
    });
    expect(isWorkloadReady('Pod', pod('Running', 'True'))).toBe(true);
    expect(isWorkloadReady('Pod', pod('Running', 'False'))).toBe(false);
    expect(isWorkloadReady('Pod', pod('Pending', 'False'))).toBe(false);
  });

  it('says why a pod is not ready: phase, failing conditions, waiting containers, warning events', () => {
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'shop', labels: { app: 'web' } },
      status: {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/1 nodes are available',
          },
        ],
        containerStatuses: [
          { name: 'main', state: { waiting: { reason: 'ImagePullBackOff', message: 'no such image' } } },
        ],
      },
    };
    const why = podWhy(pod, [
      { type: 'Normal', reason: 'Scheduled', message: 'fine' },
      { type: 'Warning', reason: 'FailedScheduling', message: 'no nodes' },
    ]);
    expect(why).toBe(
      'pod web-1 Pending; PodScheduled=False (Unschedulable: 0/1 nodes are available); container main waiting: ImagePullBackOff: no such image; event FailedScheduling: no nodes',
    );
    expect(selects(deployment({}), pod)).toBe(true);
    expect(selects(deployment({}), { ...pod, metadata: { ...pod.metadata, labels: { app: 'db' } } })).toBe(
      false,
    );
  });
});

describe('the evidence', () => {
  it('reports as Markdown and as a self-contained HTML page with an SVG timeline, escaping what it shows', () => {
    const report = sampleReport();
    const html = renderDrillHtml(report);
    expect(html).toContain('<svg');
    expect(html).toContain('the target has no &lt;nodes&gt;');
    expect(html).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1)|src=|href=/i);
    expect(html).toContain("default-src 'none'");
    const md = renderDrillMarkdown(report);
    expect(md).toContain('# DR drill drill-prod-a-20261207031500: Passed');
    expect(md).toContain('| RTO achieved (start → verified and ready) | 95.5 s (objective 15.0 min) |');
  });

  it('is schema-checked when read back', () => {
    expect(DrillReportSchema.safeParse(sampleReport()).success).toBe(true);
    expect(DrillReportSchema.safeParse({ ...sampleReport(), outcome: 'Maybe' }).success).toBe(false);
  });

  it('has a manifest that finds an altered or missing artefact', () => {
    const files = new Map([
      ['a.md', Buffer.from('report')],
      ['a.html', Buffer.from('<p>')],
    ]);
    const manifest = buildManifest('a', files);
    expect(checkManifest(manifest, files).ok).toBe(true);
    const altered = checkManifest(manifest, new Map([['a.md', Buffer.from('rep0rt')]]));
    expect(altered.files).toEqual([
      { name: 'a.md', status: 'altered' },
      { name: 'a.html', status: 'missing' },
    ]);
  });
});

describe('which restored pods are workloads of their own', () => {
  const pod = (labels: Record<string, string>, owned = false): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'p',
      namespace: 'n',
      labels,
      ...(owned ? { ownerReferences: [{ kind: 'ReplicaSet' }] } : {}),
    },
  });
  it('is a bare pod, not one a controller made (its owner reference dropped by the restore)', () => {
    expect(isBarePod(pod({ app: 'x' }))).toBe(true);
    expect(isBarePod(pod({ app: 'x' }, true))).toBe(false);
    expect(isBarePod(pod({ app: 'x', 'pod-template-hash': 'abc' }))).toBe(false);
    expect(isBarePod(pod({ 'batch.kubernetes.io/job-name': 'j' }))).toBe(false);
  });
});
