import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import type { ClusterProfile } from '../../src/profile/schema.ts';
import { startControlPlane, stopControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { runCli } from '../helpers/cli.ts';
import { writeFilesystemConfig } from '../helpers/locations.ts';

/**
 * Capture on a control plane of our own, populated like a real cluster: a control-plane node and two
 * pools (labels, taints, capacity), kubeadm and kube-proxy config, cluster DNS, a CNI DaemonSet,
 * StorageClasses, CSIDrivers, a webhook pointing at a service that does not exist, a CRD.
 */
const harness = inject('harness');
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'aks-hci');
let dir: string;
let plane: ControlPlane;

const GI = 2 ** 30;
function nodeObj(
  name: string,
  labels: Record<string, string>,
  cpu: string,
  memGi: number,
  taints: object[] = [],
) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', ...labels } },
    spec: { taints, podCIDR: '10.244.1.0/24' },
    status: {
      capacity: { cpu, memory: `${Math.round((memGi * GI) / 1024)}Ki`, pods: '110' },
      nodeInfo: { kubeletVersion: 'v1.29.4', osImage: 'CBL-Mariner/Linux', operatingSystem: 'linux' },
    },
  };
}

async function seed(client: KubeClient): Promise<void> {
  const post = (path: string, body: object) => client.json({ method: 'POST', path, body });
  const pool = (name: string, size: string) => ({
    'kubernetes.azure.com/agentpool': name,
    'node.kubernetes.io/instance-type': size,
  });
  const cpTaint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };
  // prettier-ignore
  const nodes: [string, Record<string, string>, string, number, object[]][] = [
    ['cp-0', { 'node-role.kubernetes.io/control-plane': '' }, '2', 3.8, [cpTaint]],
    ['apps-0', { ...pool('apps', 'Standard_D4s_v3'), team: 'shop' }, '4', 15.6, []],
    ['apps-1', { ...pool('apps', 'Standard_D4s_v3'), team: 'shop' }, '4', 15.6, []],
    ['gpu-0', { ...pool('gpu', 'Standard_NK6'), accelerator: 'nvidia' }, '6', 11.7, [{ key: 'sku', value: 'gpu', effect: 'NoSchedule' }]],
  ];
  for (const [name, labels, cpu, mem, taints] of nodes)
    await post('/api/v1/nodes', nodeObj(name, labels, cpu, mem, taints));
  const cm = (name: string, data: Record<string, string>) =>
    post('/api/v1/namespaces/kube-system/configmaps', { metadata: { name }, data });
  await cm('kubeadm-config', {
    ClusterConfiguration: stringify({
      apiVersion: 'kubeadm.k8s.io/v1beta3',
      kind: 'ClusterConfiguration',
      kubernetesVersion: 'v1.29.4',
      controlPlaneEndpoint: 'api.contoso.local:6443',
      networking: { podSubnet: '10.244.0.0/16', serviceSubnet: '10.0.0.0/24', dnsDomain: 'cluster.local' },
      apiServer: { extraArgs: { 'oidc-client-secret': 'kubeadm-S3cret-value' } },
    }),
  });
  await cm('kube-proxy', {
    'config.conf': stringify({ kind: 'KubeProxyConfiguration', mode: 'ipvs', clusterCIDR: '10.244.0.0/16' }),
  });
  await post('/api/v1/namespaces/kube-system/services', {
    metadata: { name: 'kube-dns', labels: { 'k8s-app': 'kube-dns' } },
    spec: {
      clusterIP: '10.0.0.10',
      ports: [{ name: 'dns', port: 53, protocol: 'UDP' }],
      selector: { 'k8s-app': 'kube-dns' },
    },
  });
  await post('/apis/apps/v1/namespaces/kube-system/daemonsets', {
    metadata: { name: 'calico-node' },
    spec: {
      selector: { matchLabels: { app: 'calico-node' } },
      template: {
        metadata: { labels: { app: 'calico-node' } },
        spec: { containers: [{ name: 'calico', image: 'calico/node:v3.27.0' }] },
      },
    },
  });
  const sc = (name: string, provisioner: string, isDefault: boolean) =>
    post('/apis/storage.k8s.io/v1/storageclasses', {
      metadata: {
        name,
        annotations: isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {},
      },
      provisioner,
      parameters:
        name === 'default'
          ? { container: 'SqlStorageContainer', group: 'clustergroup', hostname: 'ca-1.contoso.local' }
          : {},
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'Immediate',
    });
  await sc('default', 'disk.csi.akshci.com', true);
  await sc('smb', 'smb.csi.akshci.com', false);
  for (const d of ['disk.csi.akshci.com', 'smb.csi.akshci.com'])
    await post('/apis/storage.k8s.io/v1/csidrivers', {
      metadata: { name: d },
      spec: { attachRequired: d.startsWith('disk') },
    });
  await post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  });
  await post('/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', {
    metadata: { name: 'widget-policy' },
    webhooks: [
      {
        name: 'check.widgets.example.com',
        clientConfig: { service: { namespace: 'policy', name: 'does-not-exist', port: 8443 } },
        rules: [
          { operations: ['CREATE'], apiGroups: ['example.com'], apiVersions: ['v1'], resources: ['widgets'] },
        ],
        failurePolicy: 'Fail',
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
      },
    ],
  });
  await post('/apis/scheduling.k8s.io/v1/priorityclasses', {
    metadata: { name: 'business-critical' },
    value: 100000,
  });
  await post('/apis/networking.k8s.io/v1/ingressclasses', {
    metadata: { name: 'nginx' },
    spec: { controller: 'k8s.io/ingress-nginx' },
  });
  await post('/api/v1/namespaces/default/services', {
    metadata: { name: 'shop' },
    spec: { type: 'LoadBalancer', ports: [{ port: 80 }], selector: { app: 'shop' } },
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-profile-'));
  plane = await startControlPlane('profile-capture', join(dir, 'plane'));
  const client = new KubeClient(loadKubeConfig({ kubeconfig: plane.kubeconfig }));
  try {
    await seed(client);
  } finally {
    client.close();
  }
});

afterAll(async () => {
  if (plane) await stopControlPlane(plane);
  await rm(dir, { recursive: true, force: true });
});

describe('profile capture on a populated control plane', () => {
  let captured: ClusterProfile;
  let raw: string;

  beforeAll(async () => {
    const run = await runCli([
      '--log-level',
      'error',
      'profile',
      'capture',
      '--kubeconfig',
      plane.kubeconfig,
      '-o',
      'json',
      '--attach',
      `aks-hci-config=${join(fixtures, 'config-utf16le.json')}`,
      '--attach',
      `aks-hci-cluster=${join(fixtures, 'cluster.json')}`,
    ]);
    expect(run.status, run.stderr).toBe(0);
    raw = run.stdout;
    captured = JSON.parse(raw) as ClusterProfile;
  });

  it('records version, control plane and the two pools with their labels, taints and capacity', () => {
    expect(captured.kubernetes.gitVersion).toMatch(/^v1\.\d+/);
    expect(captured.kubernetes.kubeletVersions).toEqual(['v1.29.4']);
    expect(captured.controlPlane.nodeCount).toBe(1);
    expect(captured.controlPlane.nodes[0]).toMatchObject({ name: 'cp-0', capacity: { cpu: 2 } });
    expect(captured.nodePools.map((p) => [p.name, p.count, p.groupedBy])).toEqual([
      ['apps', 2, 'label:kubernetes.azure.com/agentpool'],
      ['gpu', 1, 'label:kubernetes.azure.com/agentpool'],
    ]);
    const gpu = captured.nodePools[1]!;
    expect(gpu).toMatchObject({ instanceType: 'Standard_NK6', os: 'linux', osImage: 'CBL-Mariner/Linux' });
    expect(gpu.taints).toEqual([{ key: 'sku', value: 'gpu', effect: 'NoSchedule' }]);
    expect(gpu.labels['accelerator']).toBe('nvidia');
    expect(gpu.capacity.memoryBytes! / GI).toBeCloseTo(11.7, 1);
    expect(captured.nodePools[0]!.labels['team']).toBe('shop');
  });

  it('reads network settings with their sources', () => {
    const n = captured.network;
    expect(n.podCIDRs[0]).toEqual({
      value: '10.244.0.0/16',
      source: 'kube-system/kubeadm-config ClusterConfiguration.networking.podSubnet',
    });
    expect(n.serviceCIDR?.value).toBe('10.0.0.0/24');
    expect(n.dnsServiceIP?.value).toBe('10.0.0.10');
    expect(n.dnsDomain?.value).toBe('cluster.local');
    expect(n.cni.map((c) => c.value)).toEqual(['Calico']);
    expect(n.kubeProxyMode?.value).toBe('ipvs');
    expect(captured.controlPlane.endpoint?.value).toBe('api.contoso.local:6443');
    expect(captured.metadata.platform).toBe('aks-hci');
  });

  it('reads storage, admission, CRDs, priority and ingress classes, load balancers', () => {
    const s = captured.storage;
    expect(s.storageClasses.map((c) => [c.name, c.provisioner, c.isDefault])).toEqual([
      ['default', 'disk.csi.akshci.com', true],
      ['smb', 'smb.csi.akshci.com', false],
    ]);
    expect(s.csiDrivers.map((d) => d.name)).toEqual(['disk.csi.akshci.com', 'smb.csi.akshci.com']);
    expect(captured.absent.map((a) => a.what)).toContain('VolumeSnapshotClasses');
    expect(captured.kubernetes.crds).toEqual([
      expect.objectContaining({
        name: 'widgets.example.com',
        kind: 'Widget',
        versions: [{ name: 'v1', served: true, storage: true }],
      }),
    ]);
    expect(captured.kubernetes.webhooks).toEqual([
      expect.objectContaining({
        type: 'validating',
        configuration: 'widget-policy',
        failurePolicy: 'Fail',
        target: 'policy/does-not-exist:8443',
      }),
    ]);
    expect(captured.kubernetes.kinds).toContain('example.com/v1/Widget');
    expect(captured.kubernetes.priorityClasses.map((p) => p.name)).toContain('business-critical');
    expect(captured.ingress.classes).toEqual([
      { name: 'nginx', controller: 'k8s.io/ingress-nginx', isDefault: false },
    ]);
    expect(captured.ingress.loadBalancerServices).toEqual([
      expect.objectContaining({ namespace: 'default', name: 'shop' }),
    ]);
  });

  it('keeps attachments and no secrets', () => {
    expect(captured.attachments.map((a) => [a.kind, a.encoding])).toEqual([
      ['aks-hci-config', 'utf-16le with BOM'],
      ['aks-hci-cluster', 'utf-8 with BOM'],
    ]);
    for (const secret of [
      'kubeadm-S3cret-value',
      'Pr0xyPassw0rd!',
      'proxyuser',
      'eyJhbGciOiJSUzI1NiIsImtpZCI6IlNFQ1JFVC1UT0tFTi1WQUxVRSJ9',
    ])
      expect(raw).not.toContain(secret);
  });

  it.each([
    ['a whole-cluster backup, which takes its reads from its own listing', []],
    ['a backup of one namespace, which reads the cluster itself', ['--include-namespaces', 'default']],
    ['a backup with a label selector, which reads the cluster itself', ['-l', 'app=none']],
  ])('is the same profile when stored by %s', async (_what, filters) => {
    const config = join(dir, 'config.yaml');
    await writeFilesystemConfig(config, join(dir, 'fs'));
    const name = `profile-${filters.length}-${filters[0] === '-l' ? 'selector' : 'all'}`;
    const run = await runCli([
      '--log-level',
      'error',
      '--config',
      config,
      'backup',
      'create',
      name,
      '--kubeconfig',
      plane.kubeconfig,
      ...filters,
      '--attach',
      `aks-hci-config=${join(fixtures, 'config-utf16le.json')}`,
      '--attach',
      `aks-hci-cluster=${join(fixtures, 'cluster.json')}`,
    ]);
    expect(run.status, run.stderr).toBe(0);
    const stored = JSON.parse(
      gunzipSync(
        await readFile(join(dir, 'fs', 'backups', name, `${name}-cluster-profile.json.gz`)),
      ).toString(),
    ) as ClusterProfile;
    expect(stored.metadata.backup).toBe(name);
    // What the backup itself holds, instead of the cluster's: the LoadBalancer Services it stored.
    const shop = [expect.objectContaining({ namespace: 'default', name: 'shop' })];
    expect(stored.ingress.loadBalancerServices).toEqual(filters[0] === '-l' ? [] : shop);
    const comparable = (p: ClusterProfile) => ({
      ...p,
      metadata: { ...p.metadata, capturedAt: '', backup: undefined },
      attachments: p.attachments.map((a) => ({ ...a, importedAt: '' })),
      storage: { ...p.storage, usedByBackup: undefined },
      ingress: { ...p.ingress, loadBalancerServices: [] },
    });
    expect(comparable(stored)).toEqual(comparable(captured));
  });

  it('diffs the populated cluster against the empty standby', async () => {
    const run = await runCli([
      '--log-level',
      'error',
      'profile',
      'diff',
      `cluster:${plane.kubeconfig}`,
      `cluster:${harness.clusters['standby']!.kubeconfig}`,
      '-o',
      'json',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const codes = (JSON.parse(run.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code);
    expect(codes).toEqual(
      expect.arrayContaining([
        'CONTROL_PLANE_SMALLER',
        'NO_NODES',
        'CSI_DRIVER_NOT_IN_TARGET',
        'INGRESS_CLASS_MISSING',
        'CRD_NOT_IN_TARGET',
      ]),
    );
  });
});
