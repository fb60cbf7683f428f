import { setTimeout as sleep } from 'node:timers/promises';
import { getOrUndefined, KubeApiError } from '../../kube/index.ts';
import type { Logger } from '../../log/index.ts';
import {
  isFinalPodVolumePhase,
  type KubeObject,
  nullObject,
  parsePodVolumeRestore,
  POD_VOLUME_API_VERSION,
  POD_VOLUME_RESTORE_RESOURCE,
  PodVolumeLabels,
  type PodVolumeRestore,
} from '../../model/index.ts';
import { namespaceMessage, type ResultMessage } from '../../results/index.ts';
import { agentAlive, agentLeaseName, CHECK_DATA_ANNOTATION, dataCheckOf } from '../agent-work/index.ts';
import type {
  PodVolumeProgressEvent,
  PodVolumeRestoreOptions,
  PodVolumeRestoreSummary,
} from './pod-volume-summaries.ts';
import { claimOfVolume, type PodVolumeRestoreInfo, podVolumeRestoreInfos } from './restore-volume-info.ts';
import {
  awaitedVolumes,
  podVolumeRestoreFor,
  restoreWaitDone,
  restoreWaitUid,
  volumesToRestore,
  withRestoreWait,
} from '../../podvolumes/index.ts';

/**
 * Between two LISTs of the restore's PodVolumeRestores: 250 ms, so the restore ends soon after its
 * last volume, growing with the volumes still open up to 1 s (a LIST carries every one of them).
 */
const pollMs = (open: number) => Math.min(1000, 250 + 5 * open);
/** How often the agents of the pods' nodes are looked at, and how long none may be seen. */
const AGENT_CHECK_MS = 5_000;
const AGENT_GRACE_MS = 15_000;
/** Velero's --pod-volume-operation-timeout default. */
export const DEFAULT_POD_VOLUME_TIMEOUT_MS = 4 * 3600_000;

/**
 * The pod volume side of one restore (Velero's PodVolumeRestoreAction and podvolume restorer,
 * spec/volume-data.md §1.7): pods get restore-wait while they are prepared; once a pod is created,
 * one PodVolumeRestore per awaited volume (pointing at the new pod's UID) asks the agent of its node
 * for the data; `wait` follows them to the end and `problems` names every volume that failed.
 */
export class PodVolumeRestores {
  readonly #options: PodVolumeRestoreOptions;
  readonly #volumes: PodVolumeRestoreSummary[] = [];
  /** Volumes whose node showed no live agent, since when. */
  readonly #noAgentSince = new Map<PodVolumeRestoreSummary, number>();
  #lastAgentCheck = 0;
  /** A resumed restore's PodVolumeRestores from its earlier run, read once. */
  #earlier: Promise<Map<string, PodVolumeRestore>> | undefined;

  constructor(options: PodVolumeRestoreOptions) {
    this.#options = { ...options };
  }

  /** Logs from now on go here (the restore's own log, stored with it). */
  useLogger(logger: Logger): void {
    this.#options.logger = logger;
  }

  /** For the restore item action: the pod with restore-wait for its restored volumes (a new object). */
  readonly restoreWait = (pod: KubeObject, fromBackup: KubeObject): KubeObject => {
    const found = volumesToRestore(this.#options.backups, pod, fromBackup.metadata.namespace ?? '');
    return withRestoreWait(
      pod,
      found.map((v) => v.volume),
      { restoreUid: this.#options.restoreUid, image: this.#options.helperImage },
    );
  };

  /** After a pod is created: a PodVolumeRestore per volume its restore-wait awaits. */
  readonly afterCreate = async (created: KubeObject, sourceNamespace: string | undefined): Promise<void> => {
    if (created.kind !== 'Pod') return;
    await this.#ask(created, sourceNamespace, new Map());
  };

  /**
   * A pod found already in the cluster, as when a restore is finished by a second run: if its
   * restore-wait waits for this restore's UID, each awaited volume follows the PodVolumeRestore the
   * earlier run made for the pod, or is asked for now. A pod held by another restore's UID is failed
   * with what to do, since no PodVolumeRestore of this restore would end its wait.
   */
  readonly afterExisting = async (found: KubeObject, sourceNamespace: string | undefined): Promise<void> => {
    if (found.kind !== 'Pod' || awaitedVolumes(found).length === 0 || restoreWaitDone(found)) return;
    const waitsFor = restoreWaitUid(found);
    if (waitsFor === this.#options.restoreUid) {
      await this.#ask(found, sourceNamespace, await this.#madeBefore());
      return;
    }
    const namespace = found.metadata.namespace ?? '';
    for (const volume of awaitedVolumes(found))
      this.#volumes.push({
        namespace,
        pod: found.metadata.name,
        volume,
        snapshotID: '',
        sourceNamespace: sourceNamespace ?? namespace,
        phase: 'Failed',
        message: `the pod already exists and its restore-wait waits for restore UID ${waitsFor ?? '(none)'}, not this restore's ${this.#options.restoreUid}: delete pod ${namespace}/${found.metadata.name} (or its namespace) and run the restore again`,
      });
  };

  /** The PodVolumeRestores of this restore already in the cluster (read once), by pod UID and volume. */
  #madeBefore(): Promise<Map<string, PodVolumeRestore>> {
    this.#earlier ??= this.#list().then((pvrs) => {
      const byKey = new Map<string, PodVolumeRestore>();
      for (const pvr of pvrs) byKey.set(`${pvr.spec.pod.uid ?? ''}/${pvr.spec.volume}`, pvr);
      return byKey;
    });
    return this.#earlier;
  }

  /** A PodVolumeRestore per volume the pod's restore-wait awaits, unless `earlier` has one to follow. */
  async #ask(
    pod: KubeObject,
    sourceNamespace: string | undefined,
    earlier: ReadonlyMap<string, PodVolumeRestore>,
  ): Promise<void> {
    const awaited = new Set(awaitedVolumes(pod));
    if (awaited.size === 0) return;
    const options = this.#options;
    const log = options.logger;
    const volumes = volumesToRestore(options.backups, pod, sourceNamespace ?? '').filter((v) =>
      awaited.has(v.volume),
    );
    const podUid = typeof pod.metadata['uid'] === 'string' ? pod.metadata['uid'] : '';
    for (const volume of volumes) {
      const summary: PodVolumeRestoreSummary = {
        namespace: pod.metadata.namespace ?? '',
        pod: pod.metadata.name,
        volume: volume.volume,
        snapshotID: volume.snapshotID,
        sourceNamespace: volume.sourceNamespace,
        pvcName: claimOfVolume(pod, volume.volume),
        phase: 'New',
        totalBytes: volume.snapshotSize,
      };
      this.#volumes.push(summary);
      const before = earlier.get(`${podUid}/${volume.volume}`);
      if (before?.metadata.name !== undefined) {
        summary.name = before.metadata.name;
        log.info(
          {
            pod: `${summary.namespace}/${summary.pod}`,
            volume: volume.volume,
            podVolumeRestore: summary.name,
          },
          `following the earlier request for the data of volume ${volume.volume} of pod ${summary.namespace}/${summary.pod}`,
        );
        continue;
      }
      const body = podVolumeRestoreFor(pod, volume, {
        restoreName: options.restoreName,
        restoreUid: options.restoreUid,
        namespace: options.namespace,
        location: options.location,
      });
      if (options.checkData === true)
        body.metadata.annotations = nullObject({
          ...body.metadata.annotations,
          [CHECK_DATA_ANNOTATION]: 'true',
        });
      try {
        const made = await options.client.json<KubeObject>({
          method: 'POST',
          path: this.#collection(),
          body,
        });
        summary.name = made.metadata.name;
        log.info(
          {
            pod: `${summary.namespace}/${summary.pod}`,
            volume: volume.volume,
            podVolumeRestore: summary.name,
          },
          `asked for the data of volume ${volume.volume} of pod ${summary.namespace}/${summary.pod}`,
        );
      } catch (err) {
        summary.phase = 'Failed';
        summary.message = `could not create its PodVolumeRestore in namespace ${options.namespace}: ${createFailure(err)}`;
      }
    }
  }

  /** Velero's restore volume info entries of the volumes asked for (claims only, as Velero). */
  volumeInfos(): Promise<PodVolumeRestoreInfo[]> {
    return podVolumeRestoreInfos(this.#options.client, this.#volumes);
  }

  /** The volumes asked for so far, as last seen. */
  summaries(): PodVolumeRestoreSummary[] {
    return this.#volumes.map((v) => ({ ...v }));
  }

  /**
   * Follows every PodVolumeRestore of this restore until each is Completed, Failed or Canceled, or
   * the timeout passes (the rest are then failed here with a message that says so) or the signal aborts.
   */
  async wait(options: {
    timeoutMs?: number | undefined;
    signal?: AbortSignal | undefined;
    onProgress?: ((p: PodVolumeProgressEvent) => void) | undefined;
  }): Promise<void> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_POD_VOLUME_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const open = () => this.#volumes.filter((v) => !isFinalPodVolumePhase(v.phase));
    while (open().length > 0) {
      if (options.signal?.aborted === true) return;
      await this.#refresh();
      await this.#checkAgents(Date.now());
      options.onProgress?.(this.#progress());
      if (open().length === 0) break;
      if (Date.now() >= deadline) {
        for (const v of open()) {
          v.message = `not finished within ${Math.round(timeoutMs / 1000)}s (last phase ${v.phase}): is lifeboat's node agent running on the pod's node?`;
          v.phase = 'Failed';
        }
        break;
      }
      await sleep(pollMs(open().length), undefined, options.signal ? { signal: options.signal } : {}).catch(
        () => {},
      );
    }
  }

  /** An error of the restore for every volume whose data did not come back. */
  problems(): ResultMessage[] {
    return this.#volumes
      .filter((v) => v.phase !== 'Completed')
      .map((v) =>
        namespaceMessage(
          v.namespace,
          `pod volume restore failed for volume ${v.volume} of pod ${v.namespace}/${v.pod} (snapshot ${v.snapshotID}, phase ${v.phase}): ${v.message ?? 'no message'}`,
        ),
      );
  }

  /**
   * A volume whose pod is on a node where no lifeboat agent runs (its heartbeat Lease is not
   * renewed) for AGENT_GRACE_MS is failed saying so, and its PodVolumeRestore canceled, rather than
   * waited for until the timeout.
   */
  async #checkAgents(now: number): Promise<void> {
    if (now - this.#lastAgentCheck < AGENT_CHECK_MS) return;
    this.#lastAgentCheck = now;
    const { client, namespace } = this.#options;
    for (const v of this.#volumes) {
      if ((v.phase !== 'New' && v.phase !== 'InProgress') || v.name === undefined) continue;
      const node = v.phase === 'New' ? await this.#podNode(v) : v.node;
      const alive =
        node === undefined || node === '' || (await agentAlive(client, namespace, node).catch(() => true));
      if (alive) {
        this.#noAgentSince.delete(v);
        continue;
      }
      const since = this.#noAgentSince.get(v) ?? now;
      this.#noAgentSince.set(v, since);
      if (now - since < AGENT_GRACE_MS) continue;
      v.phase = 'Failed';
      v.node = node;
      v.message = `no lifeboat agent runs on node ${node ?? ''} (its heartbeat Lease ${agentLeaseName(node ?? '')} in namespace ${namespace} is not renewed): deploy the agent (deploy/kubernetes/volumes/) or run lifeboat agent --node-name ${node ?? ''}, then restore again`;
      await client
        .text({
          method: 'PATCH',
          path: `${this.#collection()}/${encodeURIComponent(v.name)}`,
          body: { spec: { cancel: true } },
          contentType: 'application/merge-patch+json',
        })
        .catch(() => undefined);
    }
  }

  async #podNode(v: PodVolumeRestoreSummary): Promise<string | undefined> {
    const pod = await getOrUndefined<{ spec?: { nodeName?: unknown } }>(this.#options.client, {
      path: `/api/v1/namespaces/${encodeURIComponent(v.namespace)}/pods/${encodeURIComponent(v.pod)}`,
    }).catch(() => undefined);
    const node = pod?.spec?.nodeName;
    return typeof node === 'string' ? node : undefined;
  }

  #collection(): string {
    return `/apis/${POD_VOLUME_API_VERSION}/namespaces/${encodeURIComponent(this.#options.namespace)}/${POD_VOLUME_RESTORE_RESOURCE}`;
  }

  /** This restore's PodVolumeRestores as the API server lists them (unreadable ones left out). */
  async #list(): Promise<PodVolumeRestore[]> {
    const list = await this.#options.client.json<{ items?: unknown }>({
      path: this.#collection(),
      query: { labelSelector: `${PodVolumeLabels.restoreUid}=${this.#options.restoreUid}` },
    });
    const out: PodVolumeRestore[] = [];
    for (const item of Array.isArray(list.items) ? list.items : []) {
      try {
        out.push(parsePodVolumeRestore(item));
      } catch {
        // Not one of ours in a readable shape: ignored.
      }
    }
    return out;
  }

  async #refresh(): Promise<void> {
    const byName = new Map<string, PodVolumeRestore>();
    try {
      for (const pvr of await this.#list())
        if (pvr.metadata.name !== undefined) byName.set(pvr.metadata.name, pvr);
    } catch (err) {
      this.#options.logger.warn({}, `could not list the PodVolumeRestores: ${createFailure(err)}`);
      return;
    }
    for (const v of this.#volumes) {
      const pvr = v.name === undefined ? undefined : byName.get(v.name);
      if (pvr === undefined || isFinalPodVolumePhase(v.phase)) continue;
      v.phase = pvr.status?.phase ?? 'New';
      v.message = pvr.status?.message;
      v.node = pvr.status?.node;
      v.totalBytes = pvr.status?.progress?.totalBytes ?? v.totalBytes;
      v.bytesDone = pvr.status?.progress?.bytesDone ?? v.bytesDone;
      v.dataCheck = dataCheckOf(pvr.status) ?? v.dataCheck;
    }
  }

  #progress(): PodVolumeProgressEvent {
    const sum = (f: (v: PodVolumeRestoreSummary) => number | undefined) =>
      this.#volumes.reduce((n, v) => n + (f(v) ?? 0), 0);
    return {
      volumes: this.#volumes.length,
      completed: this.#volumes.filter((v) => v.phase === 'Completed').length,
      failed: this.#volumes.filter((v) => v.phase === 'Failed' || v.phase === 'Canceled').length,
      totalBytes: sum((v) => v.totalBytes),
      bytesDone: sum((v) => v.bytesDone),
    };
  }
}

function createFailure(err: unknown): string {
  if (err instanceof KubeApiError && err.status === 404)
    return `${err.message} (hint: install lifeboat's pod volume CRDs and namespace: kubectl apply -f deploy/kubernetes/volumes/)`;
  return err instanceof Error ? err.message : String(err);
}
