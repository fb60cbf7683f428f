/**
 * A pod deleted on a REAL node while its volume is being backed up: the kubelet tears the volume
 * down under the agent's snapshot, so that volume fails, naming the pod and what to do; the other
 * pod's volume of the same backup is Completed and the backup is PartiallyFailed, not Failed.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '../helpers/kube.ts';
import { bulkPod, podLogging, type RealNodes, realNodes, uploading } from '../helpers/pod-volumes-nodes.ts';
import { readBackupSidecar, volumePod } from '../helpers/real-pod-volumes.ts';

const ns = uniqueName('fsbgone');
let t: RealNodes;

beforeAll(async () => {
  t = await realNodes(inject('harness'), 'pod volume of a pod gone mid-backup on a real node');
  await t.deployAgents();
}, 900_000);

afterAll(async () => {
  await t?.close([ns]);
});

describe('a pod gone mid-backup (real node)', () => {
  it('fails only that pod volume: PartiallyFailed naming it, the other volume Completed', async () => {
    const source = t.kube.source;
    await source.json({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
    const pods = [volumePod('keeper', [{ name: 'notes', emptyDir: {} }], ['notes']), bulkPod('leaver', 200)];
    for (const body of pods)
      await source.json({ method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body });
    for (const name of ['keeper', 'leaver']) await podLogging(source, t.nodes.source, ns, name, /WRITTEN/);

    const running = t.backup(`${ns}-b`, ns);
    await uploading(source, `${ns}-b`, (pvb) => pvb.spec?.volume === 'bulk');
    await source.json({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods/leaver` });
    const run = await running;
    expect(run.status, run.stdout + run.stderr).toBe(3);
    expect(run.stdout + run.stderr).toMatch(/PartiallyFailed/);

    const results = JSON.stringify(await readBackupSidecar(t.s3, t.bucket, `${ns}-b`, 'results.gz'));
    expect(results).toContain(`pod volume backup of volume bulk of pod ${ns}/leaver Failed`);
    expect(results).toMatch(
      new RegExp(`pod ${ns}/leaver was (being )?deleted while its volume bulk was backed up`),
    );
    expect(results).not.toContain('volume notes');
    const described = await t.lifeboat('backup', 'describe', `${ns}-b`, '--details');
    expect(described.stdout).toMatch(/notes\s+Completed/);
    expect(described.stdout).toMatch(/bulk\s+Failed/);
    const infos = (await readBackupSidecar(t.s3, t.bucket, `${ns}-b`, 'volumeinfo.json.gz')) as {
      result: string;
      pvbInfo: { volumeName: string; podName: string };
    }[];
    expect(
      Object.fromEntries(infos.map((i) => [i.pvbInfo.volumeName, [i.pvbInfo.podName, i.result]])),
    ).toEqual({
      notes: ['keeper', 'succeeded'],
      bulk: ['leaver', 'failed'],
    });
  }, 600_000);
});
