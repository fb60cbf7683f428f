/**
 * A DR drill whose readiness needs a kubelet: the standby's real node runs the restored Deployment's
 * pod and a bare pod, so the drill waits until they are Running and ready, then verifies, cleans the
 * standby back to what it was (the pods stopped by the kubelet), and stores its evidence.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DrillReport } from '../../src/drill/index.ts';
import { DrillFixture } from '../helpers/drill.ts';
import { busyboxContainer, busyboxPod } from '../helpers/nodes.ts';

const env = inject('harness');
const suffix = randomBytes(3).toString('hex');
const cluster = `nodes-${suffix}`;
const ns = `drill-node-${suffix}`;
const fixture = new DrillFixture(env, cluster, [ns]);
const { source, standby, lifeboat } = fixture;

function app(name: string): object {
  return {
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          automountServiceAccountToken: false,
          containers: [
            {
              ...busyboxContainer('main', 'sleep 3600'),
              readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  };
}

beforeAll(async () => {
  await fixture.setUp();
  await source.post(`/apis/apps/v1/namespaces/${ns}/deployments`, app('web'));
  await source.post(
    `/api/v1/namespaces/${ns}/pods`,
    busyboxPod('solo', { containers: [busyboxContainer('main', 'sleep 3600')] }),
  );
  await fixture.backup(`b-${suffix}`, ns);
}, 300_000);

afterAll(() => fixture.cleanUp());

describe('a drill on a standby with a real node', () => {
  it('waits until the restored pods run on the node, passes, and leaves the standby as it was', async () => {
    const run = await lifeboat(
      'drill',
      'run',
      '--cluster',
      cluster,
      '--latest',
      '--timeout',
      '4m',
      '--wait-lock',
      '-o',
      'json',
    );
    expect(run.stdout, run.stderr).not.toBe('');
    const report = JSON.parse(run.stdout) as DrillReport;
    expect(run.status, JSON.stringify(report.reasons) + JSON.stringify(report.workloads)).toBe(0);
    expect(report.outcome).toBe('Passed');
    expect(report.workloads).toEqual([
      { kind: 'Deployment', namespace: ns, name: 'web', ready: true },
      { kind: 'Pod', namespace: ns, name: 'solo', ready: true },
    ]);
    expect(report.phases.find((p) => p.name === 'readiness')).toBeDefined();
    expect(report.cleanup).toMatchObject({ mode: 'cleaned', left: [] });
    expect(await standby.namespaces()).not.toContain(ns);
    console.log(
      `drill on a real node: RTO ${report.rtoSeconds?.toFixed(1)} s (${report.phases.map((p) => `${p.name} ${((p.endMs - p.startMs) / 1000).toFixed(1)} s`).join(', ')})`,
    );
  });
});
