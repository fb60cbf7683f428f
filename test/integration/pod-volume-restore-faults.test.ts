/**
 * A pod volume restore whose pod lands on a node without a lifeboat agent, on a SIMULATED node (a
 * made-up Node object; no kubelet, no agent): the restore does not wait out its timeout but fails the
 * volume once the node's agent heartbeat stays absent, naming the node, and cancels the work object.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parsePodVolumeRestore } from '../../src/model/index.ts';
import { runRestoredPod } from '../helpers/pod-volume-restore.ts';
import {
  type VeleroMadeStandby,
  veleroMadePodBackup,
  veleroMadeStandby,
} from '../helpers/pod-volumes-velero-made.ts';

let t: VeleroMadeStandby;

beforeAll(async () => {
  t = await veleroMadeStandby(inject('harness'), 'pvr-f');
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe('pod volume restore without an agent on the pod node (simulated node)', () => {
  it('fails the volume naming the node instead of waiting out the timeout', async () => {
    const id = randomBytes(3).toString('hex');
    const ns = `noagent-${id}`;
    t.created.push(ns);
    const backup = `fsb-noagent-${id}`;
    await veleroMadePodBackup(t, backup, ns, 'web', ['data']);
    const run = t.restore(backup, '--pod-volume-timeout', '10m');
    await runRestoredPod(t.client, t.node, ns, 'web');
    const result = await run;
    expect(result.status, result.stdout + result.stderr).toBe(3);
    expect(result.stdout).toContain('PartiallyFailed');
    const described = await t.lifeboat('restore', 'describe', `r-${backup}`);
    expect(described.stdout).toContain(`no lifeboat agent runs on node ${t.node.name}`);
    const list = await t.client.json<{ items: unknown[] }>({
      path: `/apis/lifeboat.io/v1alpha1/namespaces/${t.agentNamespace}/podvolumerestores`,
    });
    const pvrs = list.items.map((i) => parsePodVolumeRestore(i));
    expect(pvrs.map((p) => [p.spec.volume, p.spec.cancel])).toEqual([['data', true]]);
  }, 600_000);
});
