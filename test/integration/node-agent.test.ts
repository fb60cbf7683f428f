/**
 * The node agent's claim, progress and finish logic against a real API server (lifeboat.io CRDs in
 * the harness's source cluster). The work itself is an in-memory stand-in here: what is tested is
 * how the agent coordinates through the objects. The node is simulated (a made-up name).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type AgentWorker, NodeAgent } from '../../src/app/agent/index.ts';
import { agentAlive, workPath } from '../../src/app/agent-work/index.ts';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import { LifeboatError } from '../../src/errors/index.ts';
import { parsePodVolumeBackup, POD_VOLUME_API_VERSION, type PodVolumeBackup } from '../../src/model/index.ts';
import { eventually, uniqueName } from '../helpers/kube.ts';
import { createNamespace, deleteNamespace, installPodVolumeCrds } from '../helpers/pod-volumes.ts';

const env = inject('harness');
const client = new KubeClient(loadKubeConfig({ kubeconfig: env.clusters['source']!.kubeconfig }));
const namespace = uniqueName('lb-agent');
const RESOURCE = 'podvolumebackups';

async function createPvb(node: string, name: string, extra: Partial<PodVolumeBackup['spec']> = {}) {
  await client.json({
    method: 'POST',
    path: workPath(namespace, RESOURCE),
    body: {
      apiVersion: POD_VOLUME_API_VERSION,
      kind: 'PodVolumeBackup',
      metadata: { name },
      spec: {
        node,
        pod: { kind: 'Pod', namespace: 'app', name: 'p', uid: 'u' },
        volume: 'data',
        backupStorageLocation: 'default',
        repoIdentifier: '',
        uploaderType: 'kopia',
        ...extra,
      },
    },
  });
}

const getPvb = async (name: string) =>
  parsePodVolumeBackup(await client.json({ path: workPath(namespace, RESOURCE, name) }));

const phaseOf = (name: string, phase: string) =>
  eventually(
    `${name} ${phase}`,
    async () => {
      const pvb = await getPvb(name);
      return pvb.status?.phase === phase ? pvb : undefined;
    },
    { timeoutMs: 20_000 },
  );

/** A stand-in worker: each job reports progress, then waits until the test releases it. */
function gatedWorker() {
  const runs: string[] = [];
  const gates = new Map<string, () => void>();
  const worker: AgentWorker = {
    resource: RESOURCE,
    select(raw, { nodeName }) {
      const pvb = parsePodVolumeBackup(raw);
      const name = pvb.metadata.name;
      if (pvb.spec.node !== nodeName || name === undefined) return Promise.resolve(undefined);
      return Promise.resolve({
        name,
        object: pvb,
        phase: pvb.status?.phase,
        cancel: pvb.spec.cancel === true,
        run: async (ctx) => {
          runs.push(name);
          ctx.progress({ totalBytes: 100, bytesDone: 40 });
          await new Promise<void>((resolve, reject) => {
            gates.set(name, resolve);
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error));
          });
          return {
            snapshotID: `snap-${name}`,
            path: '/host_pods/x',
            progress: { totalBytes: 100, bytesDone: 100 },
          };
        },
      });
    },
  };
  const release = (name: string) =>
    eventually(`${name} running`, () => Promise.resolve(gates.get(name))).then((g) => g());
  return { worker, runs, release };
}

function agentFor(node: string, worker: AgentWorker, concurrency = 4) {
  return new NodeAgent({
    client,
    namespace,
    nodeName: node,
    hostPods: '/nonexistent',
    configPath: undefined,
    workers: [worker],
    logger: silentLogger(),
    concurrency,
    pollMs: 200,
    progressMs: 100,
    heartbeatMs: 1_000,
  });
}

beforeAll(async () => {
  await installPodVolumeCrds(client);
  await createNamespace(client, namespace);
});

afterAll(async () => {
  await deleteNamespace(client, namespace);
  client.close();
});

describe('node agent (simulated node)', () => {
  it("claims its node's objects only, reports progress and ends them Completed with the result", async () => {
    const node = uniqueName('sim-node');
    const { worker, runs, release } = gatedWorker();
    await createPvb(node, 'mine-1');
    await createPvb(`${node}-other`, 'theirs-1');
    const agent = agentFor(node, worker);
    await agent.start();
    try {
      const running = await eventually('progress of mine-1', async () => {
        const pvb = await getPvb('mine-1');
        return pvb.status?.progress?.bytesDone === 40 ? pvb : undefined;
      });
      expect(running.status?.phase).toBe('InProgress');
      expect(running.status?.startTimestamp).toBeTruthy();
      await release('mine-1');
      const done = await phaseOf('mine-1', 'Completed');
      expect(done.status).toMatchObject({
        snapshotID: 'snap-mine-1',
        progress: { totalBytes: 100, bytesDone: 100 },
      });
      expect(done.status?.completionTimestamp).toBeTruthy();
      expect((await getPvb('theirs-1')).status?.phase).toBeUndefined();
      expect(runs).toEqual(['mine-1']);
      expect(await agentAlive(client, namespace, node)).toBe(true);
    } finally {
      await agent.stop();
    }
    expect(await agentAlive(client, namespace, node)).toBe(false);
  });

  it('two agents racing for the same objects run each exactly once', async () => {
    const node = uniqueName('sim-node');
    const names = Array.from({ length: 6 }, (_, i) => `race-${node}-${i}`);
    const a = gatedWorker();
    const b = gatedWorker();
    const agents = [agentFor(node, a.worker, 6), agentFor(node, b.worker, 6)];
    await Promise.all(agents.map((x) => x.start()));
    try {
      await Promise.all(names.map((n) => createPvb(node, n)));
      await eventually('all taken', () =>
        Promise.resolve(a.runs.length + b.runs.length === names.length ? true : undefined),
      );
      for (const n of names) await (a.runs.includes(n) ? a : b).release(n);
      for (const n of names) await phaseOf(n, 'Completed');
      expect([...a.runs, ...b.runs].sort()).toEqual([...names].sort());
    } finally {
      await Promise.all(agents.map((x) => x.stop()));
    }
  });

  it('a stopped agent fails its running work with "agent stopped"; a canceled object ends Canceled', async () => {
    const node = uniqueName('sim-node');
    const { worker } = gatedWorker();
    const agent = agentFor(node, worker);
    await createPvb(node, `stop-${node}`);
    await createPvb(node, `cancel-${node}`);
    await agent.start();
    await phaseOf(`cancel-${node}`, 'InProgress');
    await client.json({
      method: 'PATCH',
      path: workPath(namespace, RESOURCE, `cancel-${node}`),
      contentType: 'application/merge-patch+json',
      body: { spec: { cancel: true } },
    });
    await phaseOf(`cancel-${node}`, 'Canceled');
    await phaseOf(`stop-${node}`, 'InProgress');
    await agent.stop();
    const stopped = await getPvb(`stop-${node}`);
    expect(stopped.status?.phase).toBe('Failed');
    expect(stopped.status?.message).toContain(`agent stopped on node ${node}`);
  });

  it('work left InProgress by an earlier run of the agent is failed when the agent starts', async () => {
    const node = uniqueName('sim-node');
    const name = `left-${node}`;
    await createPvb(node, name);
    await client.json({
      method: 'PATCH',
      path: workPath(namespace, RESOURCE, name, true),
      contentType: 'application/merge-patch+json',
      body: { status: { phase: 'InProgress' } },
    });
    const { worker, runs } = gatedWorker();
    const agent = agentFor(node, worker);
    await agent.start();
    try {
      const failed = await phaseOf(name, 'Failed');
      expect(failed.status?.message).toContain('restarted while working on it');
      expect(runs).toEqual([]);
    } finally {
      await agent.stop();
    }
  });

  it('a job that throws ends Failed with the error and its hint', async () => {
    const node = uniqueName('sim-node');
    const worker: AgentWorker = {
      resource: RESOURCE,
      select: (raw, { nodeName }) => {
        const pvb = parsePodVolumeBackup(raw);
        if (pvb.spec.node !== nodeName || pvb.metadata.name === undefined) return Promise.resolve(undefined);
        return Promise.resolve({
          name: pvb.metadata.name,
          object: pvb,
          phase: pvb.status?.phase,
          cancel: false,
          run: () => Promise.reject(new LifeboatError('NOT_FOUND', 'no directory x', { hint: 'mount it' })),
        });
      },
    };
    await createPvb(node, `throw-${node}`);
    const agent = agentFor(node, worker);
    await agent.start();
    try {
      const failed = await phaseOf(`throw-${node}`, 'Failed');
      expect(failed.status?.message).toBe('no directory x: mount it');
    } finally {
      await agent.stop();
    }
  });
});
