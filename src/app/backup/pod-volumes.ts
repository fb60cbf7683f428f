import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { goEncodeLine } from '../../gojson/index.ts';
import { type ApiResource, KubeApiError, type KubeClient, resolveResourceName } from '../../kube/index.ts';
import { LifeboatError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import {
  type BackupHooksSpec,
  type KubeObject,
  parsePodVolumeBackup,
  PodVolumeAnnotations,
  type PodVolumeBackup,
} from '../../model/index.ts';
import { itemMessage, type ResultsCollector } from '../../results/index.ts';
import { backupFileNames } from '../../store/index.ts';
import type { CollectOutcome } from '../../backup/index.ts';
import { BACKUP_HOOK_KEY, parsePodForVolumes, selectPodVolumes } from '../../podvolumes/index.ts';
import { failureMessage, podClaims, workPath } from '../agent-work/index.ts';
import type { BackupExtension, BackupExtensionContext } from './backup-record.ts';
import { BackupHookRunner, podVolumesEnded } from './hooks.ts';
import { compileResourceHooks } from './spec-hooks.ts';
import {
  type BackupIdentity,
  newPodVolumeBackup,
  podVolumeInfo,
  type PodVolumeInfo,
  veleroPodVolumeBackup,
} from './pod-volume-objects.ts';
import { waitForPodVolumes, type WaitOptions } from './pod-volume-wait.ts';

const gzipAsync = promisify(gzip);

export interface PodVolumeOptions {
  defaultVolumesToFsBackup: boolean;
  /** lifeboat's namespace, where the agents take the work objects. */
  namespace: string;
  wait: WaitOptions;
  /** The backup spec's resource hooks (Velero's spec.hooks). */
  hooks?: BackupHooksSpec | undefined;
}

interface Created {
  pvb: PodVolumeBackup;
  pvName: string | undefined;
}

/**
 * Pod volume file-system backup as an extension of the backup: every Running pod the backup stores
 * gets a PodVolumeBackup per volume to back up while the collection goes on; at the end the backup
 * waits for all of them, records each failed volume as an error and each skipped one as a warning,
 * writes Velero's `-podvolumebackups.json.gz` and `-volumeinfo.json.gz`, and deletes the work objects.
 * A stored pod's Velero backup hooks (its annotations', else the spec's matching resource hooks) run
 * around its volumes: the pre hooks before they are handed to the agents, the post hooks once they
 * have ended (hooks.ts).
 */
export function podVolumeExtension(options: PodVolumeOptions): BackupExtension {
  return {
    name: 'pod volume backup',
    start(context) {
      const run = new PodVolumeRun(context, options);
      const see = (item: KubeObject, stored: boolean) => {
        if (stored) run.enqueue(item);
      };
      return {
        watches: [
          {
            groupResource: 'pods',
            // Every pod with the default on or spec hooks; else those asking for volumes or hooks.
            ...(options.defaultVolumesToFsBackup || run.hooks.hasSpecHooks
              ? {}
              : { mentions: [PodVolumeAnnotations.backupVolumes, BACKUP_HOOK_KEY] }),
            see,
          },
        ],
        files: (outcome) => run.files(outcome),
        status: () => ({ hooksAttempted: run.hooks.attempted, hooksFailed: run.hooks.failed }),
      };
    },
  };
}

/** One backup's pod volumes and hooks. */
class PodVolumeRun {
  readonly hooks: BackupHookRunner;
  readonly #context: BackupExtensionContext;
  readonly #options: PodVolumeOptions;
  readonly #backup: BackupIdentity;
  readonly #created: Created[] = [];
  readonly #notes: ((results: ResultsCollector) => void)[] = [];
  readonly #postHooks: Promise<unknown>[] = [];
  #queue: Promise<void> = Promise.resolve();
  #decide: () => void = () => undefined;
  /** Resolves once the backup's own wait has decided every volume. */
  readonly #decided = new Promise<void>((resolve) => {
    this.#decide = resolve;
  });

  constructor(context: BackupExtensionContext, options: PodVolumeOptions) {
    this.#context = context;
    this.#options = options;
    this.#backup = { name: context.name, uid: context.uid, location: context.location };
    const rules = compileResourceHooks(options.hooks, (name) => resourceName(context.served, name));
    this.hooks = new BackupHookRunner(context.cluster.client, context.logger, undefined, rules);
  }

  /** A stored pod (the watch shows each once): its hooks and volumes, one pod after another. */
  enqueue(pod: KubeObject): void {
    this.#queue = this.#queue.then(() =>
      this.#pod(pod).catch((err: unknown) => {
        const message = failureMessage(err);
        this.#notes.push((r) => r.error(podError(pod, 'pod volume backup could not start', message)));
      }),
    );
  }

  async #pod(pod: KubeObject): Promise<void> {
    const { client } = this.#context.cluster;
    const hooks = this.hooks.read(pod);
    // A pre hook failing with on-error Fail keeps the pod's volumes out, and its post hooks from running.
    if (hooks !== undefined && !(await this.hooks.run(hooks, 'pre'))) return;
    const before = this.#created.length;
    try {
      if (this.#asksForVolumes(pod))
        await startPod(
          client,
          this.#options,
          this.#backup,
          pod,
          this.#created,
          this.#notes,
          this.#context.logger,
        );
    } finally {
      if (hooks !== undefined && hooks.post.length > 0) {
        const names = this.#created.slice(before).map((c) => c.pvb.metadata.name ?? '');
        this.#postHooks.push(
          podVolumesEnded(
            client,
            this.#options.namespace,
            { backupUid: this.#backup.uid, names },
            this.#decided,
          ).then(() => this.hooks.run(hooks, 'post')),
        );
      }
    }
  }

  /** Shown for its hooks only (spec hooks read every pod): its claims need not be looked up. */
  #asksForVolumes(pod: KubeObject): boolean {
    return (
      this.#options.defaultVolumesToFsBackup ||
      pod.metadata.annotations?.[PodVolumeAnnotations.backupVolumes] !== undefined
    );
  }

  async files(outcome: CollectOutcome): Promise<{ fileName: string; body: Buffer }[]> {
    const { client } = this.#context.cluster;
    const { name } = this.#context;
    await this.#queue;
    for (const note of this.#notes) note(outcome.results);
    const created = this.#created;
    const finished = await waitForPodVolumes(
      client,
      this.#options.namespace,
      created.map((c) => c.pvb),
      { ...this.#options.wait, logger: this.#context.logger },
    );
    this.#decide();
    await Promise.all(this.#postHooks);
    this.hooks.report(outcome.results);
    const records: PodVolumeBackup[] = [];
    const infos: PodVolumeInfo[] = [];
    finished.forEach((pvb, i) => {
      records.push(veleroPodVolumeBackup(pvb, this.#backup));
      infos.push(podVolumeInfo(pvb, created[i]?.pvName));
      if (pvb.status?.phase !== 'Completed') outcome.results.error(volumeError(pvb));
    });
    await deleteWork(client, this.#options.namespace, finished, this.#context.logger);
    const names = backupFileNames(name);
    return [
      {
        fileName: names.podVolumeBackups,
        body: await gzipAsync(goEncodeLine(records.length ? records : null)),
      },
      { fileName: names.volumeInfo, body: await gzipAsync(goEncodeLine(infos)) },
    ];
  }
}

/** A resource name of a hook spec as discovery serves it (the core group first); else as given. */
function resourceName(served: readonly ApiResource[], name: string): string {
  const found = resolveResourceName(served, name);
  return (found.find((r) => r.group === '') ?? found[0])?.groupResource ?? name;
}

function podError(pod: KubeObject, message: string, error?: string) {
  return itemMessage({
    namespace: pod.metadata.namespace,
    resource: 'pods',
    name: pod.metadata.name,
    message,
    ...(error === undefined ? {} : { error }),
  });
}

function volumeError(pvb: PodVolumeBackup) {
  const { namespace, name } = pvb.spec.pod;
  return itemMessage({
    namespace,
    resource: 'pods',
    name,
    message: `pod volume backup of volume ${pvb.spec.volume} of pod ${namespace ?? ''}/${name ?? ''} ${pvb.status?.phase ?? 'Failed'}`,
    error: pvb.status?.message ?? 'no message',
  });
}

/** Creates the PodVolumeBackups of one stored pod, and notes the volumes it skips and why. */
async function startPod(
  client: KubeClient,
  options: PodVolumeOptions,
  backup: BackupIdentity,
  item: KubeObject,
  created: Created[],
  notes: ((results: ResultsCollector) => void)[],
  logger: Logger,
): Promise<void> {
  const pod = parsePodForVolumes(item);
  const claims = await podClaims(client, pod);
  const selection = selectPodVolumes(pod, {
    defaultVolumesToFsBackup: options.defaultVolumesToFsBackup,
    claimVolume: (claim) => claims.volumes.get(claim),
  });
  for (const skipped of selection.skipped) {
    logger.warn(
      { namespace: pod.metadata.namespace, pod: pod.metadata.name, volume: skipped.volume },
      skipped.reason,
    );
    notes.push((r) =>
      r.warning(podError(item, `volume ${skipped.volume} skipped by pod volume backup: ${skipped.reason}`)),
    );
  }
  for (const volume of selection.backup) {
    const pvcUid = volume.pvcName === undefined ? undefined : claims.uids.get(volume.pvcName);
    const body = newPodVolumeBackup(backup, options.namespace, pod, volume, pvcUid);
    const pvb = parsePodVolumeBackup(await createWork(client, options.namespace, body));
    logger.info(
      {
        namespace: pod.metadata.namespace,
        pod: pod.metadata.name,
        volume: volume.volume,
        node: body.spec.node,
      },
      `pod volume backup ${pvb.metadata.name ?? ''} created`,
    );
    created.push({ pvb, pvName: volume.pvName });
  }
}

async function deleteWork(client: KubeClient, namespace: string, pvbs: PodVolumeBackup[], logger: Logger) {
  for (const pvb of pvbs) {
    const name = pvb.metadata.name;
    if (name === undefined) continue;
    await client
      .json({ method: 'DELETE', path: workPath(namespace, 'podvolumebackups', name), retries: 2 })
      .catch((err: unknown) => logger.warn({ err, name }, 'a pod volume work object could not be deleted'));
  }
}

/** Creates a work object; a missing namespace or CRD is said as what to install. */
async function createWork(client: KubeClient, namespace: string, body: PodVolumeBackup): Promise<unknown> {
  try {
    return await client.json<unknown>({
      method: 'POST',
      path: workPath(namespace, 'podvolumebackups'),
      body,
    });
  } catch (err) {
    if (!(err instanceof KubeApiError && err.status === 404)) throw err;
    throw new LifeboatError(
      'NOT_FOUND',
      `cannot hand pod volumes to the lifeboat agents in namespace ${namespace}: ${err.message}`,
      {
        cause: err,
        hint: "apply deploy/kubernetes/volumes/ (the lifeboat.io CRDs and the agent DaemonSet) in that namespace, or name the agents' namespace with --pod-volume-namespace",
      },
    );
  }
}
