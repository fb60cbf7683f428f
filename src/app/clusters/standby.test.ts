import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recoveryCluster, recoveryClusters } from './standby.ts';

const config = {
  path: '/etc/lifeboat/config.yaml',
  clusters: [
    {
      name: 'prod-a',
      kubeconfig: 'kube/prod-a.yaml',
      standby: { kubeconfig: 'kube/standby.yaml', context: 'dr' },
      objectives: { rto: '1h' },
    },
    { name: 'prod-b', kubeconfig: '/abs/prod-b.yaml' },
  ],
};

describe('a cluster’s standby, resolved one way', () => {
  it('takes a configured entry’s relative standby path from the config file’s folder', async () => {
    const c = await recoveryCluster(config, 'prod-a');
    expect(c.standby).toEqual({ kubeconfig: join('/etc/lifeboat', 'kube/standby.yaml'), context: 'dr' });
    expect(c.entry?.objectives?.rto).toBe('1h');
    expect((await recoveryCluster(config, 'prod-b')).standby).toBeUndefined();
  });

  it('lists every configured cluster without asking any, and names the known ones for an unknown name', async () => {
    const all = await recoveryClusters(config);
    expect(all.clusters.map((c) => [c.name, c.standby?.kubeconfig])).toEqual([
      ['prod-a', '/etc/lifeboat/kube/standby.yaml'],
      ['prod-b', undefined],
    ]);
    await expect(recoveryCluster(config, 'prod-c')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
