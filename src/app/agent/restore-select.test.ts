import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeApiError, KubeClient, type RequestSpec } from '../../kube/index.ts';
import { silentLogger } from '../../log/index.ts';
import { POD_VOLUME_API_VERSION, POD_VOLUME_RESTORE_KIND } from '../../model/index.ts';
import { podVolumeRestoreWorker } from './restore-worker.ts';

/** Answers a GET of the pod with `pod` (404 when undefined). */
class PodClient extends KubeClient {
  readonly #pod: unknown;
  constructor(pod: unknown) {
    super({
      server: 'https://127.0.0.1:1',
      source: 'unit test',
      tls: { rejectUnauthorized: true },
      authorization: () => Promise.resolve(undefined),
    });
    this.#pod = pod;
  }
  override json<T>(spec: RequestSpec): Promise<T> {
    if (spec.path !== '/api/v1/namespaces/app/pods/db-0') throw new Error(`unexpected ${spec.path}`);
    if (this.#pod === undefined)
      return Promise.reject(new KubeApiError('NOT_FOUND', 'not found', 404, 'NotFound'));
    return Promise.resolve(this.#pod as T);
  }
}

const pvr = (cancel = false) => ({
  apiVersion: POD_VOLUME_API_VERSION,
  kind: POD_VOLUME_RESTORE_KIND,
  metadata: { name: 'r-1', namespace: 'lifeboat', labels: { 'velero.io/restore-uid': 'uid-1' } },
  spec: {
    pod: { kind: 'Pod', namespace: 'app', name: 'db-0', uid: 'pod-uid' },
    volume: 'data',
    snapshotID: 'abc',
    ...(cancel ? { cancel: true } : {}),
  },
});

function pod(nodeName: string | undefined, restoreWait?: Record<string, unknown>) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'db-0', namespace: 'app', uid: 'pod-uid' },
    spec: {
      ...(nodeName === undefined ? {} : { nodeName }),
      initContainers: [{ name: 'restore-wait', image: 'lifeboat:dev', args: ['uid-1'] }],
      containers: [{ name: 'app' }],
    },
    status:
      restoreWait === undefined
        ? {}
        : { initContainerStatuses: [{ name: 'restore-wait', state: restoreWait }] },
  };
}

let hostPods: string;
beforeEach(async () => {
  hostPods = await mkdtemp(join(tmpdir(), 'lifeboat-select-'));
});
afterEach(async () => {
  await rm(hostPods, { recursive: true, force: true });
});

async function select(podNow: unknown, cancel = false) {
  const worker = podVolumeRestoreWorker();
  return worker.select(pvr(cancel), {
    client: new PodClient(podNow),
    nodeName: 'n1',
    hostPods,
    logger: silentLogger(),
  });
}

describe("the agent's choice of PodVolumeRestores", () => {
  it("takes one whose pod runs restore-wait on this node, and marks it pending while the pod's restore-wait has not started there", async () => {
    const ready = await select(pod('n1', { running: { startedAt: 'now' } }));
    expect(ready).toMatchObject({ name: 'r-1', claimStatus: { node: 'n1' } });
    expect(ready?.pending).toBeUndefined();
    for (const state of [undefined, { waiting: { reason: 'PodInitializing' } }])
      expect(await select(pod('n1', state))).toMatchObject({ name: 'r-1', pending: true });
  });

  it("takes one as soon as this node's kubelet has begun to start restore-wait, before the pod's status says so", async () => {
    const waiting = pod('n1', { waiting: { reason: 'PodInitializing' } });
    expect(await select(waiting)).toMatchObject({ pending: true });
    await mkdir(join(hostPods, 'pod-uid', 'containers', 'restore-wait'), { recursive: true });
    const ready = await select(waiting);
    expect(ready).toMatchObject({ name: 'r-1', claimStatus: { node: 'n1' } });
    expect(ready?.pending).toBeUndefined();
    // Not for a pod of another node, nor one whose restore-wait has ended.
    expect(await select(pod('n2', { waiting: {} }))).toBeUndefined();
    expect(await select(pod('n1', { terminated: { exitCode: 1 } }))).toBeUndefined();
  });

  it("leaves alone one of another node, an unscheduled pod's, one whose restore-wait ended and a canceled one", async () => {
    expect(await select(pod('n2'))).toBeUndefined();
    expect(await select(pod(undefined))).toBeUndefined();
    expect(await select(pod('n1', { terminated: { exitCode: 1 } }))).toBeUndefined();
    expect(await select(pod('n1'), true)).toBeUndefined();
  });

  it('takes one whose pod is gone, to fail it, and never as pending', async () => {
    const gone = await select(undefined);
    expect(gone).toMatchObject({ name: 'r-1', claimStatus: { node: 'n1' } });
    expect(gone?.pending).toBeUndefined();
  });
});
