import { KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';

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
