import { StorageV1Api } from '@kubernetes/client-node';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { clients, eventually, uniqueName } from '../helpers/kube.ts';
import {
  busyboxContainer,
  busyboxPod,
  containerLog,
  isReady,
  onlyNode,
  podVolumeDir,
  podWhere,
} from '../helpers/nodes.ts';

const env = inject('harness');
const source = clients(env.clusters['source']!.kubeconfig);
const sourceNode = onlyNode(env.clusters['source']?.nodes, 'source');
const sleepForever = 'trap "exit 0" TERM; while true; do sleep 1; done';

async function namespace(core: typeof source.core, prefix: string): Promise<string> {
  const ns = uniqueName(prefix);
  await core.createNamespace({ body: { metadata: { name: ns } } });
  return ns;
}

describe('real nodes', () => {
  it('are Ready on both clusters, one kubelet each, named after their cluster', async () => {
    for (const cluster of ['source', 'standby']) {
      const { core } = clients(env.clusters[cluster]!.kubeconfig);
      const node = onlyNode(env.clusters[cluster]?.nodes, cluster);
      const list = await core.listNode();
      expect(list.items.map((n) => n.metadata?.name)).toEqual([`${cluster}-node-0`]);
      const ready = list.items[0]?.status?.conditions?.find((c) => c.type === 'Ready');
      expect(ready?.status).toBe('True');
      expect(list.items[0]?.metadata?.labels?.['kubernetes.io/hostname']).toBe(node.name);
    }
  });

  it('run a hostNetwork pod and a pod on the node bridge, scheduled by kube-scheduler', async () => {
    const { core } = source;
    const ns = await namespace(core, 'net');
    const script = `echo up; ${sleepForever}`;
    await core.createNamespacedPod({
      namespace: ns,
      body: busyboxPod('host', { hostNetwork: true, containers: [busyboxContainer('main', script)] }),
    });
    await core.createNamespacedPod({
      namespace: ns,
      body: busyboxPod('bridged', { containers: [busyboxContainer('main', script)] }),
    });
    const host = await podWhere(core, ns, 'host', 'Ready', isReady);
    const bridged = await podWhere(core, ns, 'bridged', 'Ready', isReady);
    expect(host.spec?.nodeName).toBe(sourceNode.name);
    expect(bridged.spec?.nodeName).toBe(sourceNode.name);
    // The bridge pod has an address from the node's own subnet; the hostNetwork pod has the host's.
    expect(bridged.status?.podIP).toMatch(/^10\.244\.\d+\.\d+$/);
    expect(host.status?.podIP).toBe(host.status?.hostIP);
    expect(host.status?.podIP).not.toMatch(/^10\.244\./);
    await core.deleteNamespace({ name: ns });
  });

  it('keeps an emptyDir and a local PV where Velero node agents look for them', async () => {
    const { core, kc } = source;
    const storage = kc.makeApiClient(StorageV1Api);
    const ns = await namespace(core, 'vol');
    const pvName = `${ns}-pv`;
    const pvPath = join(dirname(sourceNode.rootDir), 'local-volumes', pvName);
    await mkdir(pvPath, { recursive: true });
    await storage.createStorageClass({
      body: {
        metadata: { name: ns },
        provisioner: 'kubernetes.io/no-provisioner',
        volumeBindingMode: 'WaitForFirstConsumer',
      },
    });
    await core.createPersistentVolume({
      body: {
        metadata: { name: pvName },
        spec: {
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteOnce'],
          storageClassName: ns,
          persistentVolumeReclaimPolicy: 'Retain',
          local: { path: pvPath },
          nodeAffinity: {
            required: {
              nodeSelectorTerms: [
                {
                  matchExpressions: [
                    { key: 'kubernetes.io/hostname', operator: 'In', values: [sourceNode.name] },
                  ],
                },
              ],
            },
          },
        },
      },
    });
    await core.createNamespacedPersistentVolumeClaim({
      namespace: ns,
      body: {
        metadata: { name: 'data' },
        spec: {
          storageClassName: ns,
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '1Gi' } },
        },
      },
    });
    const write = 'echo scratch > /scratch/a.txt; mkdir -p /data/sub; echo persistent > /data/sub/b.txt';
    await core.createNamespacedPod({
      namespace: ns,
      body: busyboxPod('writer', {
        containers: [
          busyboxContainer('main', `${write}; ${sleepForever}`, [
            { name: 'scratch', mountPath: '/scratch' },
            { name: 'data', mountPath: '/data' },
          ]),
        ],
        volumes: [
          { name: 'scratch', emptyDir: {} },
          { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
        ],
      }),
    });
    const pod = await podWhere(core, ns, 'writer', 'Ready', isReady);
    expect(pod.spec?.nodeName).toBe(sourceNode.name);
    const emptyDir = podVolumeDir(sourceNode, pod, 'empty-dir', 'scratch');
    const local = podVolumeDir(sourceNode, pod, 'local-volume', pvName);
    expect(await eventually('emptyDir file', () => readFile(join(emptyDir, 'a.txt'), 'utf8'))).toBe(
      'scratch\n',
    );
    expect(await eventually('local PV file', () => readFile(join(local, 'sub', 'b.txt'), 'utf8'))).toBe(
      'persistent\n',
    );
    // The local volume is a bind mount of the PV's path: the write landed in the PV itself.
    expect(await readFile(join(pvPath, 'sub', 'b.txt'), 'utf8')).toBe('persistent\n');

    await core.deleteNamespace({ name: ns });
    await eventually('namespace gone', async () =>
      (await core.listNamespacedPod({ namespace: ns })).items.length === 0 ? true : undefined,
    );
    await core.deletePersistentVolume({ name: pvName });
    await storage.deleteStorageClass({ name: ns });
  });

  describe('the restore-wait pattern', () => {
    let ns = '';
    beforeAll(async () => {
      ns = await namespace(source.core, 'wait');
    });

    it('holds the main container until data and marker are written into the volume from outside', async () => {
      const { core } = source;
      const restoreId = 'b7f0c1d2-0000-4000-8000-000000000001';
      const mounts = [{ name: 'data', mountPath: '/restores/data' }];
      await core.createNamespacedPod({
        namespace: ns,
        body: busyboxPod('restored', {
          initContainers: [
            busyboxContainer(
              'restore-wait',
              `until [ -f /restores/data/.velero/${restoreId} ]; do sleep 0.2; done; echo restored`,
              mounts,
            ),
          ],
          containers: [busyboxContainer('main', `cat /restores/data/payload.txt; ${sleepForever}`, mounts)],
          volumes: [{ name: 'data', emptyDir: {} }],
        }),
      });
      const waiting = await podWhere(core, ns, 'restored', 'waiting in its init container', (pod) =>
        (pod.status?.initContainerStatuses ?? []).some((s) => s.state?.running !== undefined),
      );
      expect(waiting.status?.phase).toBe('Pending');
      expect(waiting.status?.containerStatuses?.[0]?.state?.running).toBeUndefined();

      // What a node agent does: write the data, then the marker, into the pod's volume directory.
      const volume = podVolumeDir(sourceNode, waiting, 'empty-dir', 'data');
      await writeFile(join(volume, 'payload.txt'), 'restored payload 42\n');
      await mkdir(join(volume, '.velero'), { recursive: true });
      await writeFile(join(volume, '.velero', restoreId), '');

      const running = await podWhere(core, ns, 'restored', 'Ready', isReady);
      expect(running.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);
      const log = await eventually('main container log', async () => {
        const text = await containerLog(sourceNode, running, 'main');
        return text.includes('restored payload') ? text : undefined;
      });
      expect(log).toBe('restored payload 42');
      expect(await containerLog(sourceNode, running, 'restore-wait')).toBe('restored');
      await core.deleteNamespace({ name: ns });
    });
  });
});
