import { ApiException, VersionApi } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { clients, eventually, uniqueName } from '../helpers/kube.ts';

const env = inject('harness');

function isNotFound(err: unknown): boolean {
  return err instanceof ApiException && err.code === 404;
}

describe('two independent control planes', () => {
  it('serves the real Kubernetes version on both', async () => {
    for (const name of ['source', 'standby']) {
      const { kc } = clients(env.clusters[name]!.kubeconfig);
      const info = await kc.makeApiClient(VersionApi).getCode();
      expect(info.gitVersion).toBe('v1.34.4');
      expect(info.major).toBe('1');
      expect(info.minor).toBe('34');
    }
  });

  it('keeps objects created in one out of the other', async () => {
    const source = clients(env.clusters['source']!.kubeconfig);
    const standby = clients(env.clusters['standby']!.kubeconfig);
    const ns = uniqueName('iso');
    await source.core.createNamespace({ body: { metadata: { name: ns } } });
    await source.core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'settings' }, data: { color: 'blue' } },
    });

    const cm = await source.core.readNamespacedConfigMap({ namespace: ns, name: 'settings' });
    expect(cm.data).toEqual({ color: 'blue' });
    await expect(standby.core.readNamespace({ name: ns })).rejects.toSatisfy(isNotFound);
    await expect(standby.core.readNamespacedConfigMap({ namespace: ns, name: 'settings' })).rejects.toSatisfy(
      isNotFound,
    );
  });
});

describe('kube-controller-manager', () => {
  it('turns a Deployment into a ReplicaSet and Pods, and completes namespace deletion', async () => {
    const { core, apps } = clients(env.clusters['source']!.kubeconfig);
    const ns = uniqueName('ctrl');
    await core.createNamespace({ body: { metadata: { name: ns } } });
    // The ServiceAccount admission plugin is on, as in real clusters: wait for the SA controller.
    await eventually('default ServiceAccount', () =>
      core.readNamespacedServiceAccount({ namespace: ns, name: 'default' }),
    );
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
          },
        },
      },
    });

    const rs = await eventually('ReplicaSet', async () => {
      const list = await apps.listNamespacedReplicaSet({ namespace: ns });
      return list.items.length === 1 ? list.items[0] : undefined;
    });
    expect(rs.metadata?.ownerReferences?.[0]?.kind).toBe('Deployment');
    const pods = await eventually('two Pods', async () => {
      const list = await core.listNamespacedPod({ namespace: ns });
      return list.items.length === 2 ? list.items : undefined;
    });
    for (const pod of pods) {
      expect(pod.metadata?.ownerReferences?.[0]?.name).toBe(rs.metadata?.name);
      expect(pod.spec?.serviceAccountName).toBe('default');
    }

    await core.deleteNamespace({ name: ns });
    await eventually(
      'namespace deletion',
      async () => {
        try {
          await core.readNamespace({ name: ns });
          return undefined;
        } catch (err) {
          if (isNotFound(err)) return true;
          throw err;
        }
      },
      { timeoutMs: 90_000 },
    );
  });
});
