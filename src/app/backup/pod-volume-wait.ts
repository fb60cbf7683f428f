import { agentAlive, patchWorkStatus, workPath } from '../agent-work/index.ts';
import type { KubeClient } from '../../kube/index.ts';
import type { Logger } from '../../log/index.ts';
import {
  isFinalPodVolumePhase,
  parsePodVolumeBackup,
  POD_VOLUME_BACKUP_RESOURCE,
  type PodVolumeBackup,
  PodVolumeLabels,
} from '../../model/index.ts';

export interface WaitOptions {
  /** How long all volumes together may take (Velero's fs-backup timeout, default 4h). */
  timeoutMs: number;
  /** How long a volume may wait for its node's agent to take it. */
  acceptTimeoutMs: number;
  pollMs?: number;
  onProgress?: (p: { done: number; total: number; bytesDone: number; totalBytes: number }) => void;
}

const DEPLOY_HINT =
  'deploy deploy/kubernetes/volumes/ (the lifeboat agent DaemonSet) and run the backup again';

/**
 * Waits until every PodVolumeBackup of a backup has ended, reading them back from the API server.
 * The backup decides for agents that cannot: a volume still New after the accept timeout while its
 * node has no running agent, or InProgress while its node's agent stopped renewing its Lease (it was
 * killed), is failed saying so; whatever is unfinished at the overall timeout is failed as timed out.
 */
export async function waitForPodVolumes(
  client: KubeClient,
  namespace: string,
  pvbs: readonly PodVolumeBackup[],
  options: WaitOptions & { logger: Logger },
): Promise<PodVolumeBackup[]> {
  const current = new Map(pvbs.map((p) => [p.metadata.name ?? '', p]));
  const started = Date.now();
  const pending = () => [...current.values()].filter((p) => !isFinalPodVolumePhase(p.status?.phase));
  while (pending().length > 0) {
    await refresh(client, namespace, current);
    report(current, options);
    const alive = new Map<string, boolean>();
    const isAlive = async (node: string) => {
      const known = alive.get(node);
      if (known !== undefined) return known;
      const value = await agentAlive(client, namespace, node).catch(() => true);
      alive.set(node, value);
      return value;
    };
    for (const pvb of pending()) {
      const failure = await verdict(pvb, started, options, isAlive);
      if (failure === undefined) continue;
      const status = {
        phase: 'Failed' as const,
        message: failure,
        completionTimestamp: new Date().toISOString(),
      };
      options.logger.warn({ pvb: pvb.metadata.name, volume: pvb.spec.volume }, failure);
      await patchWorkStatus(
        client,
        namespace,
        POD_VOLUME_BACKUP_RESOURCE,
        pvb.metadata.name ?? '',
        status,
      ).catch((err: unknown) =>
        options.logger.warn({ err }, 'the failure of a pod volume backup could not be written'),
      );
      current.set(pvb.metadata.name ?? '', { ...pvb, status: { ...pvb.status, ...status } });
    }
    if (pending().length > 0) await new Promise((r) => setTimeout(r, options.pollMs ?? 1_000));
  }
  return pvbs.map((p) => current.get(p.metadata.name ?? '') ?? p);
}

async function verdict(
  pvb: PodVolumeBackup,
  started: number,
  options: WaitOptions,
  isAlive: (node: string) => Promise<boolean>,
): Promise<string | undefined> {
  const node = pvb.spec.node;
  const waited = Date.now() - started;
  if (waited > options.timeoutMs)
    return `timed out after ${Math.round(options.timeoutMs / 1000)} s: raise --pod-volume-timeout or check the lifeboat agent on node ${node}`;
  const phase = pvb.status?.phase ?? 'New';
  if (phase === 'New' && waited > options.acceptTimeoutMs && !(await isAlive(node)))
    return `no lifeboat agent on node ${node}: ${DEPLOY_HINT}`;
  if (phase === 'InProgress' && !(await isAlive(node)))
    return `the lifeboat agent on node ${node} stopped while backing up the volume (its Lease expired): run the backup again once the agent runs`;
  return undefined;
}

async function refresh(client: KubeClient, namespace: string, current: Map<string, PodVolumeBackup>) {
  const uid = [...current.values()][0]?.metadata.labels?.[PodVolumeLabels.backupUid];
  if (uid === undefined) return;
  const list = await client
    .json<{ items?: unknown[] }>({
      path: workPath(namespace, POD_VOLUME_BACKUP_RESOURCE),
      query: { labelSelector: `${PodVolumeLabels.backupUid}=${uid}` },
      retries: 3,
    })
    .catch(() => ({ items: [] }));
  for (const raw of list.items ?? []) {
    const pvb = parsePodVolumeBackup(raw);
    const name = pvb.metadata.name ?? '';
    const known = current.get(name);
    // A failure this backup decided stays decided.
    if (known !== undefined && !isFinalPodVolumePhase(known.status?.phase)) current.set(name, pvb);
  }
}

function report(current: Map<string, PodVolumeBackup>, options: WaitOptions) {
  if (options.onProgress === undefined) return;
  let done = 0;
  let bytesDone = 0;
  let totalBytes = 0;
  for (const p of current.values()) {
    if (isFinalPodVolumePhase(p.status?.phase)) done++;
    bytesDone += p.status?.progress?.bytesDone ?? 0;
    totalBytes += p.status?.progress?.totalBytes ?? 0;
  }
  options.onProgress({ done, total: current.size, bytesDone, totalBytes });
}
