import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../../errors/index.ts';
import { aksHciView, importAttachment, neededTruncation } from './attachments.ts';
import type { AttachmentKind } from '../schema.ts';

const dir = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'aks-hci');
const load = (kind: AttachmentKind, file: string) =>
  importAttachment(kind, join(dir, file), readFileSync(join(dir, file)));

function failure(kind: AttachmentKind, file: string, bytes?: Buffer): LifeboatError {
  try {
    importAttachment(kind, join(dir, file), bytes ?? readFileSync(join(dir, file)));
  } catch (err) {
    expect(err).toBeInstanceOf(LifeboatError);
    return err as LifeboatError;
  }
  throw new Error(`${file} was accepted`);
}

const SECRETS = [
  'Pr0xyPassw0rd!',
  'proxyuser',
  'eyJhbGciOiJSUzI1NiIsImtpZCI6IlNFQ1JFVC1UT0tFTi1WQUxVRSJ9',
  'akshci_rsa',
];

describe('AKS-HCI import', () => {
  it('reads Get-AksHciConfig (5.1 layout, CRLF) and redacts every secret', () => {
    const a = load('aks-hci-config', 'config.json');
    expect(a.encoding).toBe('utf-8');
    const text = JSON.stringify(a);
    for (const s of SECRETS) expect(text).not.toContain(s);
    expect(a.redacted).toEqual(
      expect.arrayContaining([
        'Kva.identity',
        'AksHci.proxyServerPassword',
        'AksHci.proxyServerUsername',
        'Moc.proxyServerUsername',
        'Moc.sshPrivateKey',
        'Moc.proxyServerHTTP',
      ]),
    );
    const view = aksHciView([a]);
    expect(view.config?.kva.str('CONTROLPLANEVMSIZE')).toBe('Standard_A4_v2');
    expect(view.config?.moc.str('cloudservicecidr')).toBe('10.0.0.100/16');
    expect(view.config?.kva.str('vnetvippoolstart')).toBe('10.0.0.41');
    // Non-secret values survive untouched.
    expect(view.config?.akshci.str('workingDir')).toBe('C:\\ClusterStorage\\Volume01\\AksHci');
  });

  it('reads the same config written as UTF-16 LE with BOM, identically', () => {
    const utf16 = load('aks-hci-config', 'config-utf16le.json');
    const utf8 = load('aks-hci-config', 'config.json');
    expect(utf16.encoding).toBe('utf-16le with BOM');
    expect(utf16.data).toEqual(utf8.data);
  });

  it('reads ANSI (Windows-1252) bytes', () => {
    const a = load('aks-hci-config', 'config-ansi.json');
    expect(a.encoding).toMatch(/windows-1252/);
    expect(aksHciView([a]).config?.akshci.str('workingdir')).toBe('C:\\Daten\\Größe');
  });

  it('reads Get-AksHciCluster with a BOM, NodePools as a list', () => {
    const a = load('aks-hci-cluster', 'cluster.json');
    expect(a.encoding).toBe('utf-8 with BOM');
    const [c] = aksHciView([a]).clusters;
    expect(c).toMatchObject({
      name: 'akswc1',
      kubernetesVersion: 'v1.29.4',
      controlPlaneNodeCount: 3,
      controlPlaneVmSize: 'Standard_A2_v2',
      nodePools: ['akswc1-linux', 'akswc1-gpu'],
      loadBalancer: { vmSize: 'Standard_A4_v2', count: 1, sku: 'HAProxy' },
      provisioningState: 'Deployed',
    });
  });

  it('reads lower-case keys, NodePools as a string, an enum number and a boolean as text', () => {
    const a = load('aks-hci-cluster', 'cluster-lowercase-enum.json');
    const [c] = aksHciView([a]).clusters;
    expect(c).toMatchObject({
      name: 'akswc2',
      nodePools: ['nodepool1'],
      controlPlaneNodeCount: 1,
      autoScalerEnabled: false,
      loadBalancer: { sku: 'HAProxy', vmSize: 'Standard_K8S3_v1' },
    });
    expect(a.notes.join('\n')).toMatch(/Sku was the enum number 0; read as HAProxy/);
    expect(a.notes.join('\n')).toMatch(/NodePools was a single string/);
  });

  it('refuses a depth-truncated export only for the values the runbook needs, naming them and the fix', () => {
    const file = join(dir, 'cluster-truncated.json');
    const a = load('aks-hci-cluster', 'cluster-truncated.json');
    const err = neededTruncation(a, file);
    expect(err?.message).toContain('cluster-truncated.json');
    expect(err?.message).toMatch(/\[0\]\.LoadBalancer/);
    expect(err?.message).toMatch(/\[1\]\.NodePools/);
    // Cut to @{…}: read back from PowerShell's display form, not a loss.
    expect(err?.message).not.toMatch(/Status/);
    expect(err?.hint).toContain('ConvertTo-Json -Depth 10');
    expect(aksHciView([a]).clusters[1]?.loadBalancer).toEqual({
      vmSize: 'Standard_A4_v2',
      count: 1,
      sku: 'HAProxy',
    });
  });

  it('reads UTF-16 BE node pools: enum OsType, Taints as text and list', () => {
    const a = load('aks-hci-nodepool', 'nodepool-utf16be.json');
    expect(a.encoding).toBe('utf-16be with BOM');
    const pools = aksHciView([a]).nodePools;
    expect(pools).toEqual([
      expect.objectContaining({
        name: 'akswc1-linux',
        osType: 'Linux',
        nodeCount: 2,
        vmSize: 'Standard_K8S3_v1',
        taints: [],
      }),
      expect.objectContaining({ name: 'akswc1-gpu', osType: 'Linux', taints: ['sku=gpu:NoSchedule'] }),
    ]);
    expect(a.notes.join('\n')).toMatch(/OsType was the enum number 0; read as Linux/);
  });

  it('unwraps the {"value": [...], "Count": n} array of Windows PowerShell 5.1', () => {
    const a = load('aks-hci-nodepool', 'nodepool-wrapped.json');
    expect(aksHciView([a]).nodePools.map((p) => p.name)).toEqual(['akswc1-linux', 'akswc1-gpu']);
    expect(a.notes[0]).toMatch(/wrapped/);
  });

  it('reads a cluster network with DnsServers as a string', () => {
    const [n] = aksHciView([load('aks-hci-network', 'network.json')]).networks;
    expect(n).toMatchObject({ vswitchName: 'ComputeSwitch', dnsServers: ['10.1.0.2'], vlanId: 20 });
  });

  it('recognises Format-List output and says to export JSON', () => {
    const err = failure('aks-hci-cluster', 'cluster-format-list.txt');
    expect(err.message).toMatch(/cluster-format-list\.txt is PowerShell's table\/list output, not JSON/);
    expect(err.hint).toContain('ConvertTo-Json -Depth 10');
  });

  it('says which kind a file really is when attached under the wrong kind', () => {
    const err = failure('aks-hci-config', 'cluster.json');
    expect(err.message).toMatch(/does not look like Get-AksHciConfig output/);
    expect(err.hint).toContain('aks-hci-cluster=');
  });

  it('names the file for empty and broken files', () => {
    expect(failure('aks-hci-config', 'empty.json', Buffer.from('  \r\n')).message).toMatch(
      /empty\.json is empty/,
    );
    const broken = failure('aks-hci-config', 'broken.json', Buffer.from('{"Moc": {"a": 1,}'));
    expect(broken.message).toMatch(/broken\.json is not valid JSON/);
    expect(
      failure('aks-hci-config', 'x.json', Buffer.from([0xff, 0xfe, 0, 0, 0x7b, 0, 0, 0])).message,
    ).toMatch(/UTF-32/);
  });
});
