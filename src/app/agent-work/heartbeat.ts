import { getOrUndefined, KubeApiError, type KubeClient, leasePath, microTime } from '../../kube/index.ts';
import type { Logger } from '../../log/index.ts';

/** The Lease a node's agent renews while it runs, in lifeboat's namespace. */
export function agentLeaseName(nodeName: string): string {
  return `lifeboat-agent-${nodeName}`;
}

interface LeaseObject {
  metadata?: { resourceVersion?: string };
  spec?: { holderIdentity?: string | null; renewTime?: string | null; leaseDurationSeconds?: number };
}

/**
 * Whether a node has a running agent: its Lease was renewed within the lease duration (the agents'
 * and the caller's clocks are assumed to agree within seconds, as NTP keeps nodes). A stopped agent
 * deletes its Lease; a killed one stops renewing it.
 */
export async function agentAlive(
  client: KubeClient,
  namespace: string,
  nodeName: string,
  at = Date.now(),
): Promise<boolean> {
  const lease = await getOrUndefined<LeaseObject>(client, {
    path: leasePath(namespace, agentLeaseName(nodeName)),
    retries: 2,
  });
  const renewed = Date.parse(lease?.spec?.renewTime ?? '');
  const duration = lease?.spec?.leaseDurationSeconds ?? 0;
  return Number.isFinite(renewed) && at - renewed <= duration * 1000;
}

export interface HeartbeatOptions {
  client: KubeClient;
  namespace: string;
  nodeName: string;
  periodMs: number;
  logger: Logger;
}

/** The agent's side: renews the node's Lease every period; deletes it when the agent stops. */
export class NodeHeartbeat {
  readonly #o: HeartbeatOptions;
  #timer: NodeJS.Timeout | undefined;
  #busy: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: HeartbeatOptions) {
    this.#o = options;
  }

  async start(): Promise<void> {
    await this.#renew();
    const loop = () => {
      if (this.#stopped) return;
      this.#busy = this.#renew()
        .catch((err: unknown) => this.#o.logger.warn({ err }, 'renewing the agent Lease failed'))
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(loop, this.#o.periodMs);
        });
    };
    this.#timer = setTimeout(loop, this.#o.periodMs);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#busy;
    const { client, namespace, nodeName } = this.#o;
    await client
      .json({ method: 'DELETE', path: leasePath(namespace, agentLeaseName(nodeName)), retries: 1 })
      .catch((err: unknown) => {
        if (!(err instanceof KubeApiError && err.status === 404))
          this.#o.logger.warn({ err }, 'deleting the agent Lease failed');
      });
  }

  async #renew(): Promise<void> {
    const { client, namespace, nodeName, periodMs } = this.#o;
    const name = agentLeaseName(nodeName);
    const spec = {
      holderIdentity: `${nodeName}/${process.pid}`,
      leaseDurationSeconds: Math.max(1, Math.ceil((periodMs * 3) / 1000)),
      renewTime: microTime(new Date()),
    };
    try {
      await client.json({
        method: 'PATCH',
        path: leasePath(namespace, name),
        contentType: 'application/merge-patch+json',
        body: { spec },
        retries: 2,
      });
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 404)) throw err;
      // Created meanwhile by another agent process of the node: the next renewal patches it.
      await client
        .json({
          method: 'POST',
          path: leasePath(namespace),
          body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec },
          retries: 2,
        })
        .catch((created: unknown) => {
          if (!(created instanceof KubeApiError && created.status === 409)) throw created;
        });
    }
  }
}
