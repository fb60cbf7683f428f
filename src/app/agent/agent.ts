import { LifeboatError } from '../../errors/index.ts';
import { KubeApiError, KubeClient, type KubeTarget, loadKubeConfig } from '../../kube/index.ts';
import type { Logger } from '../../log/index.ts';
import { isFinalPodVolumePhase, nullObject, type PodVolumeProgress } from '../../model/index.ts';
import { podVolumeBackupWorker } from './backup-worker.ts';
import { watchAgentConfig } from './config-watch.ts';
import { podVolumeRestoreWorker } from './restore-worker.ts';
import { claimWork, failureMessage, listWork, NodeHeartbeat, patchWorkStatus } from '../agent-work/index.ts';
import type { AgentWorker, WorkItem } from './worker.ts';

export interface AgentOptions {
  client: KubeClient;
  /** Where the work objects live (lifeboat's namespace). */
  namespace: string;
  nodeName: string;
  hostPods: string;
  configPath: string | undefined;
  workers: readonly AgentWorker[];
  logger: Logger;
  /** Jobs run at once (default 1). */
  concurrency?: number;
  /** How often the work objects are listed (default 1 s). */
  pollMs?: number;
  /** How often while some work of this node is pending, about to be ready (default 200 ms). */
  pendingPollMs?: number;
  /** The least time between two progress updates of one object (default 2 s). */
  progressMs?: number;
  /** How often the node's heartbeat Lease is renewed (default 5 s). */
  heartbeatMs?: number;
}

interface Running {
  worker: AgentWorker;
  name: string;
  controller: AbortController;
  done: Promise<void>;
}

const now = () => new Date().toISOString();
const STOPPED = 'agent stopped';
/** How long one pending object keeps the agent looking at the short interval (its pod may never start). */
const PENDING_WINDOW_MS = 60_000;

/**
 * The node agent: lists the work objects of its node, claims new ones (New → InProgress under the
 * object's resourceVersion, so two agents never both take one), runs them with throttled progress
 * updates and ends each Completed, Failed (with a message saying what to do) or Canceled. Objects of
 * its node left InProgress by an earlier run of the agent are failed at start: their work died with it.
 */
export class NodeAgent {
  readonly #o: AgentOptions;
  readonly #running = new Map<string, Running>();
  readonly #heartbeat: NodeHeartbeat;
  /** Pending objects of this node (WorkItem.pending), since when. */
  readonly #pendingSince = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: AgentOptions) {
    this.#o = options;
    this.#heartbeat = new NodeHeartbeat({
      client: options.client,
      namespace: options.namespace,
      nodeName: options.nodeName,
      periodMs: options.heartbeatMs ?? 5_000,
      logger: options.logger,
    });
  }

  /** Jobs running now, by resource/name. */
  get running(): string[] {
    return [...this.#running.keys()];
  }

  async start(): Promise<void> {
    await this.#heartbeat.start();
    await this.#recoverAbandoned();
    const loop = () => {
      if (this.#stopped) return;
      this.#tick = this.#poll()
        .catch((err: unknown) => this.#o.logger.warn({ err }, 'listing the work objects failed'))
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(loop, this.#nextPollMs());
        });
    };
    loop();
  }

  /**
   * The short interval while an object of this node is pending (a restore's pod about to start its
   * restore-wait: the data is wanted as soon as it can be written), for at most PENDING_WINDOW_MS
   * per object; the poll period otherwise.
   */
  #nextPollMs(): number {
    const since = Date.now() - PENDING_WINDOW_MS;
    const soon = [...this.#pendingSince.values()].some((t) => t > since);
    return soon ? (this.#o.pendingPollMs ?? 200) : (this.#o.pollMs ?? 1_000);
  }

  /** Stops taking work; running jobs are aborted and marked Failed ("agent stopped"). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#tick;
    for (const job of this.#running.values())
      job.controller.abort(
        new LifeboatError('INTERRUPTED', `${STOPPED} on node ${this.#o.nodeName}`, {
          hint: 'the work was cut off; run the backup or restore again once the agent runs',
        }),
      );
    await Promise.all([...this.#running.values()].map((j) => j.done));
    await this.#heartbeat.stop();
  }

  async #recoverAbandoned(): Promise<void> {
    const { client, namespace, nodeName, hostPods, logger } = this.#o;
    for (const worker of this.#o.workers) {
      for (const raw of await listWork(client, namespace, worker.resource)) {
        const item = await worker.select(raw, { client, nodeName, hostPods, logger });
        if (item?.phase !== 'InProgress') continue;
        await this.#finish(worker, item.name, {
          phase: 'Failed',
          message: `the lifeboat agent on node ${nodeName} restarted while working on it: run the backup or restore again`,
          completionTimestamp: now(),
        });
      }
    }
  }

  async #poll(): Promise<void> {
    const pending = new Set<string>();
    try {
      for (const worker of this.#o.workers) await this.#pollWorker(worker, pending);
    } finally {
      for (const key of this.#pendingSince.keys()) if (!pending.has(key)) this.#pendingSince.delete(key);
      for (const key of pending) if (!this.#pendingSince.has(key)) this.#pendingSince.set(key, Date.now());
    }
  }

  /** One kind of work: new objects of this node taken, canceled or deleted ones stopped. */
  async #pollWorker(worker: AgentWorker, pending: Set<string>): Promise<void> {
    const { client, namespace, nodeName, hostPods, logger } = this.#o;
    const seen = new Set<string>();
    for (const raw of await listWork(client, namespace, worker.resource)) {
      if (this.#stopped) return;
      const item = await worker.select(raw, { client, nodeName, hostPods, logger });
      if (item === undefined) continue;
      const key = `${worker.resource}/${item.name}`;
      seen.add(key);
      if (item.pending === true) {
        pending.add(key);
        continue;
      }
      const running = this.#running.get(key);
      if (running !== undefined) {
        if (item.cancel) running.controller.abort(new LifeboatError('INTERRUPTED', 'canceled'));
        continue;
      }
      if ((item.phase ?? 'New') !== 'New') continue;
      if (item.cancel) {
        await this.#finish(worker, item.name, { phase: 'Canceled', completionTimestamp: now() });
        continue;
      }
      if (this.#running.size >= (this.#o.concurrency ?? 1)) continue;
      await this.#take(worker, item);
    }
    for (const [key, job] of this.#running)
      if (job.worker === worker && !seen.has(key))
        job.controller.abort(new LifeboatError('INTERRUPTED', 'the work object was deleted'));
  }

  async #take(worker: AgentWorker, item: WorkItem): Promise<void> {
    const { client, namespace, logger } = this.#o;
    const started = now();
    const status = Object.assign(
      nullObject<unknown>(),
      (item.object as { status?: object }).status,
      item.claimStatus,
      { phase: 'InProgress', acceptedTimestamp: started, startTimestamp: started },
    );
    if (!(await claimWork(client, namespace, worker.resource, item.object, status))) {
      logger.debug({ name: item.name }, 'another agent took the work object first');
      return;
    }
    const controller = new AbortController();
    const key = `${worker.resource}/${item.name}`;
    const job: Running = { worker, name: item.name, controller, done: Promise.resolve() };
    this.#running.set(key, job);
    job.done = this.#run(worker, item, controller).finally(() => this.#running.delete(key));
  }

  async #run(worker: AgentWorker, item: WorkItem, controller: AbortController): Promise<void> {
    const { logger } = this.#o;
    const log = logger.child({ resource: worker.resource, name: item.name });
    const progress = this.#progressSender(worker, item.name, controller);
    log.info('work started');
    try {
      const result = await item.run({
        client: this.#o.client,
        nodeName: this.#o.nodeName,
        hostPods: this.#o.hostPods,
        configPath: this.#o.configPath,
        logger: log,
        signal: controller.signal,
        progress: progress.report,
      });
      await progress.flush();
      await this.#finish(
        worker,
        item.name,
        Object.assign(nullObject<unknown>(), result, { phase: 'Completed', completionTimestamp: now() }),
      );
      log.info('work completed');
    } catch (err) {
      await progress.flush();
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : err;
      const canceled = reason instanceof LifeboatError && reason.message === 'canceled';
      const message = failureMessage(reason);
      log.warn({ err }, `work ended: ${message}`);
      await this.#finish(worker, item.name, {
        phase: canceled ? 'Canceled' : 'Failed',
        message,
        completionTimestamp: now(),
      });
    }
  }

  /** Throttled progress: at most one update per period, and the last one before the end. */
  #progressSender(worker: AgentWorker, name: string, controller: AbortController) {
    const period = this.#o.progressMs ?? 2_000;
    let latest: PodVolumeProgress | undefined;
    let sent: string | undefined;
    let last = 0;
    let inflight: Promise<void> = Promise.resolve();
    const send = () => {
      const body = JSON.stringify(latest);
      if (latest === undefined || body === sent) return inflight;
      sent = body;
      last = Date.now();
      const progress = latest;
      inflight = inflight
        .then(() => patchWorkStatus(this.#o.client, this.#o.namespace, worker.resource, name, { progress }))
        .catch((err: unknown) => {
          if (err instanceof KubeApiError && err.status === 404)
            controller.abort(new LifeboatError('INTERRUPTED', 'the work object was deleted'));
          else this.#o.logger.warn({ err, name }, 'a progress update failed');
        });
      return inflight;
    };
    return {
      report: (p: PodVolumeProgress) => {
        latest = { ...p };
        if (Date.now() - last >= period) void send();
      },
      flush: () => send(),
    };
  }

  async #finish(worker: AgentWorker, name: string, status: Record<string, unknown>): Promise<void> {
    if (typeof status['phase'] === 'string' && !isFinalPodVolumePhase(status['phase']))
      throw new LifeboatError('INTERNAL', `a work object cannot end in phase ${status['phase']}`);
    try {
      await patchWorkStatus(this.#o.client, this.#o.namespace, worker.resource, name, status);
    } catch (err) {
      this.#o.logger.error({ err, name }, 'the final status of a work object could not be written');
    }
  }
}

export interface NodeAgentRequest extends Omit<AgentOptions, 'client' | 'workers'> {
  kube: KubeTarget;
}

/** Connects to the cluster and starts the agent of a node with every kind of work it does. */
export async function startNodeAgent(
  request: NodeAgentRequest,
): Promise<{ agent: NodeAgent; close(): Promise<void> }> {
  const client = new KubeClient(loadKubeConfig(request.kube), { maxSockets: 4 });
  const workers: AgentWorker[] = [podVolumeBackupWorker(), podVolumeRestoreWorker()];
  const agent = new NodeAgent({ ...request, client, workers });
  try {
    await agent.start();
  } catch (err) {
    client.close();
    throw err;
  }
  const config = watchAgentConfig({ configPath: request.configPath, logger: request.logger });
  return {
    agent,
    close: async () => {
      config.close();
      await agent.stop();
      client.close();
    },
  };
}
