import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import type { HarnessEnv } from '../harness/harness.ts';
import { type CliResult, runCli } from './cli.ts';
import { writeFilesystemConfig } from './locations.ts';

/** Kubernetes calls the drill tests make against the harness's control planes. */
export class Cluster {
  readonly client: KubeClient;

  constructor(kubeconfig: string) {
    this.client = new KubeClient(loadKubeConfig({ kubeconfig }));
  }

  post(path: string, body: object): Promise<unknown> {
    return this.client.json({ method: 'POST', path, body });
  }

  async namespaces(): Promise<string[]> {
    const list = await this.client.json<{ items: { metadata: { name: string } }[] }>({
      path: '/api/v1/namespaces',
    });
    return list.items.map((n) => n.metadata.name);
  }

  async deleteNamespace(name: string): Promise<void> {
    await this.client.json({ method: 'DELETE', path: `/api/v1/namespaces/${name}` }).catch(() => undefined);
  }

  /** Polls until `check` holds (the machine is loaded: generous timeouts, never an assertion on time). */
  async until(check: () => Promise<boolean>, timeoutMs = 120_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check()) return true;
      await new Promise((r) => setTimeout(r, 500));
    }
    return false;
  }

  close(): void {
    this.client.close();
  }
}

/** A Deployment of busybox with `replicas` replicas (on a control plane without nodes it never becomes available). */
export function deployment(name: string, replicas: number): object {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] },
      },
    },
  };
}

/**
 * What a drill test starts from: a filesystem location in a folder of its own, the harness's source
 * registered as `cluster` with the harness's standby as its standby, and the source's `namespaces`,
 * which the test fills and backs up. cleanUp() deletes them from both clusters and removes the folder.
 */
export class DrillFixture {
  readonly cluster: string;
  readonly namespaces: readonly string[];
  readonly kubeconfig: { source: string; standby: string };
  readonly source: Cluster;
  readonly standby: Cluster;
  #dir: string | undefined;

  constructor(harness: HarnessEnv, cluster: string, namespaces: readonly string[]) {
    this.cluster = cluster;
    this.namespaces = namespaces;
    this.kubeconfig = {
      source: harness.clusters['source']!.kubeconfig,
      standby: harness.clusters['standby']!.kubeconfig,
    };
    this.source = new Cluster(this.kubeconfig.source);
    this.standby = new Cluster(this.kubeconfig.standby);
  }

  /** The folder of the location. */
  get bucket(): string {
    return join(this.#folder(), 'bucket');
  }

  /** The CLI's environment: the fixture's config file. */
  get env(): Record<string, string> {
    return { LIFEBOAT_CONFIG: join(this.#folder(), 'config.yaml') };
  }

  /** The CLI with the fixture's config, logging errors only. */
  readonly lifeboat = (...args: string[]): Promise<CliResult> =>
    runCli(['--log-level', 'error', ...args], { env: this.env, timeoutMs: 600_000 });

  /** The folder and its config, the namespaces in the source, and the cluster registered with its standby. */
  async setUp(): Promise<void> {
    this.#dir = await mkdtemp(join(tmpdir(), `lifeboat-${this.cluster}-`));
    await writeFilesystemConfig(this.env['LIFEBOAT_CONFIG']!, this.bucket);
    for (const name of this.namespaces) await this.source.post('/api/v1/namespaces', { metadata: { name } });
    const { source, standby } = this.kubeconfig;
    const add = await this.lifeboat(
      'cluster',
      'add',
      this.cluster,
      '--kubeconfig',
      source,
      '--standby',
      standby,
    );
    expect(add.status, add.stderr).toBe(0);
  }

  /** Backs `namespace` up as `name`: under the cluster's prefix, or as `target` says (e.g. --kubeconfig). */
  async backup(name: string, namespace: string, target = ['--cluster', this.cluster]): Promise<void> {
    const run = await this.lifeboat('backup', 'create', name, ...target, '--include-namespaces', namespace);
    expect(run.status, run.stderr).toBe(0);
  }

  async cleanUp(): Promise<void> {
    for (const name of this.namespaces) {
      await this.source.deleteNamespace(name);
      await this.standby.deleteNamespace(name);
    }
    this.source.close();
    this.standby.close();
    if (this.#dir !== undefined) await rm(this.#dir, { recursive: true, force: true });
  }

  #folder(): string {
    if (this.#dir === undefined) throw new Error('DrillFixture: call setUp() first');
    return this.#dir;
  }
}
