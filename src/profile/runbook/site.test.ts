import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importAttachment } from '../aks-hci/index.ts';
import type { AttachmentKind } from '../schema.ts';
import { profile } from '../testing.ts';
import type { RecoveryScope } from './restore-steps.ts';
import { buildSiteRunbook, renderSiteMarkdown, renderSiteText, type SiteMember } from './site.ts';

const dir = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'aks-hci');
const attach = (kind: AttachmentKind, file: string, edit: (text: string) => string = (t) => t) =>
  importAttachment(kind, file, Buffer.from(edit(readFileSync(join(dir, file), 'utf8'))));

const scope = (cluster: string, role: RecoveryScope['role']): RecoveryScope => ({
  cluster,
  role,
  prefix: `clusters/${cluster}`,
  location: 'site',
  provider: 'aws',
  bucket: 'dr',
});

/** akswc2: another workload cluster, one control-plane node of another size, two load balancers. */
const akswc2 = (text: string) =>
  text
    .replaceAll('akswc1', 'akswc2')
    .replace('"ControlPlaneNodeCount":  3', '"ControlPlaneNodeCount":  1')
    .replace('"ControlPlaneVmSize":  "Standard_A2_v2"', '"ControlPlaneVmSize":  "Standard_A4_v2"')
    .replace('"Count":  1', '"Count":  2');

type Attach = [kind: AttachmentKind, file: string, edit?: (text: string) => string];

/** A cluster of the site whose backup has the default test profile (SMB and disk CSI) and these exports. */
const member = (cluster: string, role: RecoveryScope['role'], kinds: Attach[]): SiteMember => ({
  scope: scope(cluster, role),
  backup: `${cluster}-nightly`,
  platform: 'aks-hci',
  profile: profile((p) => {
    p.attachments = kinds.map(([kind, file, edit]) => attach(kind, file, edit));
  }),
});

const site = [
  member('wc2', 'workload', [['aks-hci-cluster', 'cluster.json', akswc2]]),
  member('mgmt', 'management', [['aks-hci-config', 'config.json']]),
  member('wc1', 'workload', [
    ['aks-hci-cluster', 'cluster.json'],
    ['aks-hci-nodepool', 'nodepool-wrapped.json'],
  ]),
];

describe('the site runbook', () => {
  const doc = buildSiteRunbook(site, []);
  const md = renderSiteMarkdown(doc);
  const partOf = (n: number) => md.slice(md.indexOf(`## Part ${n}.`), md.indexOf(`## Part ${n + 1}.`) >>> 0);

  it('puts the management cluster first, then each workload cluster by name', () => {
    expect(doc.parts.map((p) => [p.cluster, p.role, p.backup])).toEqual([
      ['mgmt', 'management', 'mgmt-nightly'],
      ['wc1', 'workload', 'wc1-nightly'],
      ['wc2', 'workload', 'wc2-nightly'],
    ]);
    expect(md).toMatch(
      /## Part 1\. Management cluster mgmt from backup mgmt-nightly \(prefix clusters\/mgmt\//,
    );
    expect(md.indexOf('Install-AksHci')).toBeLessThan(md.indexOf('New-AksHciCluster `'));
  });

  it('rebuilds the management cluster from its Get-AksHciConfig, and no workload cluster there', () => {
    const mgmt = partOf(1);
    expect(mgmt).toMatch(/\$vnet = New-AksHciNetworkSetting `[\s\S]*-vipPoolStart 10\.0\.0\.41/);
    expect(mgmt).toMatch(/Set-AksHciConfig `[\s\S]*-workingDir C:\\ClusterStorage\\Volume01\\AksHci `/);
    expect(mgmt).toContain('Install-AksHci');
    expect(mgmt).not.toContain('New-AksHciCluster');
    expect(mgmt).toContain('(from (Get-AksHciConfig).Kva.kubeconfig on the new management cluster)');
    expect(mgmt).toContain(
      'lifeboat restore create --from-backup mgmt-nightly --storage-location mgmt-recovery',
    );
  });

  it('gives each workload cluster its own same-shape New-AksHciCluster, storage drivers and restore', () => {
    const wc1 = partOf(2);
    const wc2 = partOf(3);
    expect(wc1).not.toContain('Set-AksHciConfig');
    expect(wc1).toMatch(
      /New-AksHciCluster `\n {2}-name akswc1 `[\s\S]*-controlPlaneNodeCount 3 `\n {2}-controlPlaneVmSize Standard_A2_v2/,
    );
    expect(wc1).toMatch(/New-AksHciNodePool `\n {2}-clusterName akswc1 `\n {2}-name akswc1-gpu/);
    expect(wc1).toMatch(/-loadBalancerCount 1/);
    expect(wc2).toMatch(
      /New-AksHciCluster `\n {2}-name akswc2 `[\s\S]*-controlPlaneNodeCount 1 `\n {2}-controlPlaneVmSize Standard_A4_v2/,
    );
    expect(wc2).toMatch(/-loadBalancerCount 2/);
    for (const [part, name] of [
      [wc1, 'wc1'],
      [wc2, 'wc2'],
    ] as const) {
      expect(part).toContain(`Install-AksHciCsiSmb -clusterName aks${name}`);
      expect(part).toContain(
        `lifeboat location create ${name}-recovery --provider aws --bucket dr --prefix clusters/${name} --access-mode ReadOnly`,
      );
      expect(part).toContain(`lifeboat standby check --cluster ${name} --from-backup ${name}-nightly`);
      expect(part).toContain(
        `lifeboat restore create --from-backup ${name}-nightly --storage-location ${name}-recovery --kubeconfig <standby kubeconfig>`,
      );
    }
    expect(wc2).toContain('aks-hci-nodepool not attached');
    expect(wc2).not.toContain('aks-hci-config not attached');
  });

  it('borrows the site-wide Get-AksHciConfig when the management backup lacks it, and says so', () => {
    const bare = member('mgmt', 'management', []);
    const withConfig = member('wc1', 'workload', [['aks-hci-config', 'config.json']]);
    const out = renderSiteMarkdown(buildSiteRunbook([bare, withConfig], []));
    expect(out).toContain("the one attached to cluster wc1's backup wc1-nightly is used");
    expect(out.slice(0, out.indexOf('## Part 2.'))).toMatch(/-vipPoolStart 10\.0\.0\.41/);
  });

  it('names a cluster without a backup, and a site without a management cluster', () => {
    const out = buildSiteRunbook(
      [site[2]!],
      [{ scope: scope('wc3', 'workload'), reason: 'no complete backup' }],
    );
    expect(out.parts.map((p) => [p.cluster, p.backup])).toEqual([
      ['wc1', 'wc1-nightly'],
      ['wc3', undefined],
    ]);
    const text = renderSiteText(out);
    expect(text).toContain('No management cluster in the fleet');
    expect(text).toContain('Workload cluster wc3: no backup to recover from');
    expect(text).not.toContain('```');
  });
});
