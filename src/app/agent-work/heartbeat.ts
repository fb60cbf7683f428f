import { type KubeClient, LeaseClient, microTime } from '../../kube/index.ts';
import type { Logger } from '../../log/index.ts';

/** The Lease a node's agent renews while it runs, in lifeboat's namespace. */
export function agentLeaseName(nodeName: string): string {
  return `lifeboat-agent-${nodeName}`;
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
  const lease = await new LeaseClient(client, namespace, { retries: 2, timeoutMs: 30_000 }).get(
    agentLeaseName(nodeName),
  );
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
  readonly #leases: LeaseClient;
  #timer: NodeJS.Timeout | undefined;
  #busy: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: HeartbeatOptions) {
    this.#o = options;
    this.#leases = new LeaseClient(options.client, options.namespace, { retries: 2, timeoutMs: 30_000 });
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
    await this.#leases
      .delete(agentLeaseName(this.#o.nodeName))
      .catch((err: unknown) => this.#o.logger.warn({ err }, 'deleting the agent Lease failed'));
  }

  /**
   * Renews the node's Lease as its holder; creates it when absent. A Lease another agent process of
   * the node wrote meanwhile (a conflict, or another holder) is simply written again at the next
   * renewal: the node has one agent, whichever process it is.
   */
  async #renew(): Promise<void> {
    const { nodeName, periodMs } = this.#o;
    const name = agentLeaseName(nodeName);
    const spec = {
      holderIdentity: `${nodeName}/${process.pid}`,
      leaseDurationSeconds: Math.max(1, Math.ceil((periodMs * 3) / 1000)),
      renewTime: microTime(new Date()),
    };
    const lease = await this.#leases.get(name);
    if (lease === undefined) await this.#leases.createIfAbsent({ name }, spec);
    else await this.#leases.update(lease, spec);
  }
}
