import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importAttachment } from '../aks-hci/index.ts';
import { deriveProfile } from '../capture/index.ts';
import { buildRunbook } from './runbook.ts';
import { renderMarkdown, renderText } from './doc.ts';
import type { AttachmentKind } from '../schema.ts';
import { contents, profile } from '../testing.ts';

const dir = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'aks-hci');
const attach = (kind: AttachmentKind, file: string) =>
  importAttachment(kind, file, readFileSync(join(dir, file)));

const aksHci = profile((p) => {
  p.attachments = [
    attach('aks-hci-config', 'config-utf16le.json'),
    attach('aks-hci-cluster', 'cluster.json'),
    attach('aks-hci-nodepool', 'nodepool-wrapped.json'),
  ];
  p.arc = { AZURE_SUBSCRIPTION_ID: '00000000-1111-2222-3333-444444444444', AZURE_RESOURCE_GROUP: 'rg-hci' };
  p.storage.usedByBackup = [{ storageClass: 'default', pvcs: 2, namespaces: ['shop'] }];
});

describe('runbook for aks-hci', () => {
  const md = renderMarkdown(
    buildRunbook({ backup: 'nightly', profile: aksHci, platform: 'aks-hci', location: 'fs' }),
  );

  it('creates the workload cluster with the exact source parameters', () => {
    const block = md.slice(md.indexOf('New-AksHciCluster `'));
    const command = block.slice(0, block.indexOf('```'));
    for (const line of [
      '-name akswc1 `',
      '-kubernetesVersion v1.29.4 `',
      '-controlPlaneNodeCount 3 `',
      '-controlPlaneVmSize Standard_A2_v2 `',
      '-loadBalancerSettings $lb `',
      '-nodePoolName akswc1-linux `',
      '-nodeCount 2 `',
      '-nodeVmSize Standard_K8S3_v1 `',
      '-osType Linux `',
      '-primaryNetworkPlugin calico',
    ])
      expect(command).toContain(line);
    expect(md).toContain('| -controlPlaneVmSize | Standard_A2_v2 | aks-hci-cluster ControlPlaneVmSize |');
  });

  it('sets up the management cluster from the attached config', () => {
    expect(md).toMatch(
      /\$vnet = New-AksHciNetworkSetting `[\s\S]*-vipPoolStart 10\.0\.0\.41 `[\s\S]*-vipPoolEnd 10\.0\.0\.250/,
    );
    expect(md).toContain('-vswitchName <fill in: external vSwitch of the new hosts (Get-VMSwitch)>');
    expect(md).toMatch(/Set-AksHciConfig `[\s\S]*-workingDir C:\\ClusterStorage\\Volume01\\AksHci `/);
    expect(md).toContain('-controlPlaneVmSize Standard_A4_v2 `');
    expect(md).toContain('-cloudServiceCidr 10.0.0.100/16');
    expect(md).toMatch(
      /Set-AksHciRegistration `\n {2}-subscriptionId 00000000-1111-2222-3333-444444444444 `\n {2}-resourceGroupName rg-hci/,
    );
    expect(md).toContain('Install-AksHci');
    expect(md).toContain('-credential (Get-Credential)');
    expect(md).not.toContain('Pr0xyPassw0rd');
  });

  it('adds the load balancer, the other pools, CSI drivers, storage containers, check and restore', () => {
    expect(md).toMatch(
      /New-AksHciLoadBalancerSetting `[\s\S]*-loadBalancerSku HAProxy `\n {2}-vmSize Standard_A4_v2 `\n {2}-loadBalancerCount 1/,
    );
    expect(md).toMatch(
      /New-AksHciNodePool `\n {2}-clusterName akswc1 `\n {2}-name akswc1-gpu `\n {2}-count 1 `\n {2}-vmSize Standard_NK6 `\n {2}-osType Linux `\n {2}-taints sku=gpu:NoSchedule/,
    );
    expect(md).toContain('Install-AksHciCsiSmb -clusterName akswc1');
    expect(md).not.toContain('Install-AksHciCsiNfs');
    expect(md).toMatch(/New-AksHciStorageContainer `\n {2}-name SqlStorageContainer `/);
    expect(md).toContain(
      'lifeboat standby check --from-backup nightly --storage-location fs --kubeconfig <standby kubeconfig>',
    );
    expect(md).toContain(
      'lifeboat restore create --from-backup nightly --storage-location fs --kubeconfig <standby kubeconfig> --existing-resource-policy none',
    );
    expect(md).toContain('Enable-AksHciArcConnection -name akswc1');
  });

  it('renders as plain text too', () => {
    const text = renderText(buildRunbook({ backup: 'nightly', profile: aksHci, platform: 'aks-hci' }));
    expect(text).toContain('    New-AksHciCluster `');
    expect(text).not.toContain('```');
  });

  it('marks what the cluster alone cannot tell, and infers VM sizes from capacity', () => {
    const bare = profile((p) => (p.nodePools[0]!.instanceType = undefined));
    const out = renderMarkdown(buildRunbook({ backup: 'b', profile: bare, platform: 'aks-hci' }));
    expect(out).toContain('aks-hci-config not attached');
    expect(out).toContain('-name <fill in: workload cluster name (no hyphens)>');
    expect(out).toContain('-controlPlaneNodeCount 3 `');
    expect(out).toMatch(
      /-nodeVmSize Standard_K8S3_v1 `[\s\S]*matches Standard_K8S3_v1 in Get-AksHciVmSize \(inferred\)/,
    );
  });
});

describe('runbook for kubeadm and generic', () => {
  it('gives the cluster shape and a kubeadm config', () => {
    const kubeadm = profile((p) => {
      p.metadata.platform = 'kubeadm';
      p.controlPlane.kubeadmClusterConfiguration = {
        apiVersion: 'kubeadm.k8s.io/v1beta3',
        kubernetesVersion: 'v1.29.4',
        controlPlaneEndpoint: 'api.old:6443',
        networking: { podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12', dnsDomain: 'cluster.local' },
      };
    });
    const md = renderMarkdown(buildRunbook({ backup: 'b', profile: kubeadm, platform: 'kubeadm' }));
    expect(md).toContain('serviceSubnet: 10.96.0.0/12');
    expect(md).toContain('controlPlaneEndpoint: "<fill in: new endpoint (the source used api.old:6443)>"');
    expect(md).toContain('kubectl taint node <node> sku=gpu:NoSchedule');
    expect(md).toContain('| gpu | 1 | Standard_NK6 / 6 CPU, 11.7Gi, 110 pods |');
  });

  it('works for a backup without a profile, saying what is missing', () => {
    const c = contents((x) => {
      x.name = 'velero-made';
      x.sourceVersion = { gitVersion: 'v1.30.1', minor: 30 };
      x.pvcs = [{ namespace: 'shop', name: 'data', storageClass: 'fast' }];
    });
    const md = renderMarkdown(
      buildRunbook({ backup: 'velero-made', profile: deriveProfile(c), contents: c, platform: 'generic' }),
    );
    expect(md).toContain('has no cluster profile');
    expect(md).toContain('| Kubernetes version | v1.30.1 | velero-backup.json source-cluster annotations |');
    expect(md).toContain('Nodes (control plane and node pools): backup velero-made has no cluster profile');
    expect(md).toContain('use the StorageClasses fast');
  });

  it('says where the repository password of the volume data lives, before the restore', () => {
    const c = contents((x) => (x.name = 'b'));
    const md = renderMarkdown(
      buildRunbook({
        backup: 'b',
        profile: deriveProfile(c),
        contents: c,
        platform: 'generic',
        location: 'dr',
      }),
    );
    const at = md.indexOf('Volume data: the repository password');
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(md.indexOf('lifeboat restore create'));
    expect(md).toContain('velero-repo-credentials');
    expect(md).toContain('lifeboat repo snapshots --location dr');
  });
});
