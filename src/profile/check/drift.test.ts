import { describe, expect, it } from 'vitest';
import { diffProfiles } from './drift.ts';
import type { Finding } from './findings.ts';
import type { ClusterProfile } from '../schema.ts';
import { node, pool, profile } from '../testing.ts';

const GI = 2 ** 30;

function diff(change: (t: ClusterProfile) => void): Finding[] {
  return diffProfiles(profile(), profile(change));
}

function only(findings: Finding[], code: string): Finding {
  const hits = findings.filter((f) => f.code === code);
  expect(hits, JSON.stringify(findings, null, 2)).toHaveLength(1);
  expect(hits[0]!.hint.length).toBeGreaterThan(10);
  return hits[0]!;
}

describe('diffProfiles', () => {
  it('finds nothing to warn about between identical profiles', () => {
    expect(diffProfiles(profile(), profile()).filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('blocks a target older than the source; newer is info', () => {
    const older = only(
      diff((t) => ((t.kubernetes.minor = 28), (t.kubernetes.gitVersion = 'v1.28.9'))),
      'K8S_VERSION_OLDER',
    );
    expect(older.severity).toBe('blocking');
    expect(older.message).toContain('v1.28.9');
    expect(
      only(
        diff((t) => (t.kubernetes.minor = 31)),
        'K8S_VERSION_NEWER',
      ).severity,
    ).toBe('info');
  });

  it('warns about fewer and smaller control-plane nodes', () => {
    const fewer = only(
      diff((t) => ((t.controlPlane.nodeCount = 1), (t.controlPlane.nodes = [node('cp-0')]))),
      'CONTROL_PLANE_SMALLER',
    );
    expect(fewer).toMatchObject({ severity: 'warning' });
    expect(fewer.hint).toContain('-controlPlaneNodeCount 3');
    const small = node('cp', {
      instanceType: 'Standard_A2_v2',
      capacity: { cpu: 2, memoryBytes: 3.8 * GI, pods: 110 },
    });
    const size = only(
      diff((t) => (t.controlPlane.nodes = [small, small, small])),
      'CONTROL_PLANE_SIZE',
    );
    expect(size.message).toContain('Standard_A2_v2');
  });

  it('treats an invisible managed control plane as info', () => {
    const f = only(
      diff((t) => ((t.controlPlane = { nodeCount: 0, nodes: [] }), (t.metadata.platform = 'aks'))),
      'CONTROL_PLANE_SMALLER',
    );
    expect(f.severity).toBe('info');
  });

  it('warns about a missing pool and names its shape', () => {
    const f = only(
      diff((t) => (t.nodePools = [pool('linux')])),
      'NODE_POOL_MISSING',
    );
    expect(f.message).toContain('gpu');
    expect(f.message).toContain('Standard_NK6');
    expect(f.message).toContain('sku=gpu:NoSchedule');
  });

  it('matches pools by shape when names differ, and compares them', () => {
    const findings = diff((t) => {
      t.nodePools = [
        pool('pool-a'),
        pool('pool-b', {
          count: 1,
          instanceType: 'Standard_NK6',
          capacity: { cpu: 6, memoryBytes: 11.7 * GI },
          labels: {},
          taints: [],
        }),
      ];
    });
    expect(findings.some((f) => f.code === 'NODE_POOL_MISSING')).toBe(false);
    expect(only(findings, 'NODE_POOL_TAINTS').message).toContain('sku=gpu:NoSchedule');
    expect(only(findings, 'NODE_POOL_LABELS').message).toContain('accelerator=nvidia');
  });

  it('warns about smaller pools, other instance types and another OS', () => {
    const findings = diff((t) => {
      t.nodePools[0] = pool('linux', {
        count: 1,
        instanceType: 'Standard_A2_v2',
        capacity: { cpu: 2, memoryBytes: 3.8 * GI },
        os: 'windows',
      });
    });
    expect(only(findings, 'NODE_POOL_SMALLER').message).toMatch(/1× Standard_A2_v2.*2× Standard_K8S3_v1/);
    expect(only(findings, 'NODE_POOL_INSTANCE_TYPE').severity).toBe('warning');
    expect(only(findings, 'NODE_POOL_OS').message).toContain('windows');
    expect(only(findings, 'TOTAL_CAPACITY_SMALLER').severity).toBe('warning');
  });

  it('says once when the target has no nodes at all', () => {
    const f = only(
      diff((t) => ((t.nodePools = []), (t.controlPlane = { nodeCount: 0, nodes: [] }))),
      'NO_NODES',
    );
    expect(f.message).toMatch(/linux \(2×.*gpu \(1×/);
  });

  it('warns about a different CNI, service range and DNS domain', () => {
    const findings = diff((t) => {
      t.network.cni = [{ value: 'Flannel', source: 'x' }];
      t.network.serviceCIDR = { value: '10.0.0.0/16', source: 'kubeadm' };
      t.network.kubernetesServiceIP = '10.0.0.1';
      t.network.dnsDomain = { value: 'corp.local', source: 'kubeadm' };
    });
    expect(only(findings, 'CNI_DIFFERENT').message).toMatch(/Flannel.*Calico/);
    expect(only(findings, 'SERVICE_CIDR_DIFFERENT').message).toContain('10.0.0.0/16');
    expect(only(findings, 'DNS_DOMAIN_DIFFERENT').hint).toContain('cluster.local');
  });

  it('warns about admission webhooks only the target has', () => {
    const f = only(
      diff((t) =>
        t.kubernetes.webhooks.push({
          type: 'validating',
          configuration: 'policy',
          name: 'check.policy.io',
          failurePolicy: 'Fail',
          rules: [],
        }),
      ),
      'WEBHOOK_EXTRA',
    );
    expect(f.message).toContain('policy/check.policy.io (failurePolicy Fail)');
  });

  it('reports storage, ingress, load balancer and CRD differences', () => {
    const source = profile((s) => {
      s.ingress.classes = [{ name: 'nginx', controller: 'k8s.io/ingress-nginx', isDefault: true }];
      s.ingress.loadBalancerServices = [{ namespace: 'shop', name: 'web', addresses: ['10.0.0.50'] }];
      s.kubernetes.crds = [
        { name: 'widgets.example.com', group: 'example.com', kind: 'Widget', versions: [] },
      ];
    });
    const target = profile((t) => {
      t.storage.storageClasses = [
        { name: 'local', provisioner: 'rancher.io/local-path', isDefault: false, parameters: {} },
      ];
      t.storage.csiDrivers = [];
    });
    const findings = diffProfiles(source, target);
    expect(only(findings, 'STORAGE_CLASS_NOT_IN_TARGET').message).toContain('smb (smb.csi.akshci.com)');
    expect(only(findings, 'NO_DEFAULT_STORAGE_CLASS').message).toContain('default');
    expect(only(findings, 'CSI_DRIVER_NOT_IN_TARGET').hint).toContain('Install-AksHciCsiSmb');
    expect(only(findings, 'INGRESS_CLASS_MISSING').message).toContain('nginx');
    expect(only(findings, 'LOAD_BALANCER_ADDRESSES').message).toContain('10.0.0.50');
    expect(only(findings, 'CRD_NOT_IN_TARGET').severity).toBe('info');
  });

  it('orders blocking before warnings before info', () => {
    const findings = diffProfiles(
      profile((s) => (s.ingress.loadBalancerServices = [{ namespace: 'a', name: 'b', addresses: [] }])),
      profile((t) => ((t.kubernetes.minor = 28), (t.nodePools = [pool('linux')]))),
    );
    expect([...new Set(findings.map((f) => f.severity))]).toEqual(['blocking', 'warning', 'info']);
  });
});
