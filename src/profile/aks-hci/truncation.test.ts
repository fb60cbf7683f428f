import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aksHciView, attachmentWarning, importAttachment, neededTruncation } from './attachments.ts';
import { buildRunbook, renderText } from '../runbook/index.ts';
import type { AttachmentKind } from '../schema.ts';
import { profile } from '../testing.ts';

/** `Get-AksHciConfig | ConvertTo-Json > config.json` in Windows PowerShell 5.1: -Depth 2, UTF-16 LE. */
const dir = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'aks-hci');
const load = (kind: AttachmentKind, file: string) =>
  importAttachment(kind, join(dir, file), readFileSync(join(dir, file)));

describe('AKS-HCI exports cut off by ConvertTo-Json -Depth 2', () => {
  it('accepts Get-AksHciConfig with nested values cut to type names, warning where', () => {
    const a = load('aks-hci-config', 'config-depth2-utf16le.json');
    expect(a.encoding).toBe('utf-16le with BOM');
    expect(neededTruncation(a, 'config.json')).toBeUndefined();
    expect(a.truncated).toEqual([
      'Moc.commands',
      'AksHci.commands',
      'AksHci.installationSteps',
      'Kva.clusters',
    ]);
    expect(attachmentWarning(a)).toBe(
      "Get-AksHciConfig JSON was truncated by ConvertTo-Json's default depth at: Moc.commands, AksHci.commands, AksHci.installationSteps, Kva.clusters; values there are not in the profile (export with ConvertTo-Json -Depth 10 to keep them)",
    );
    expect(a.notes.join('\n')).toContain('truncated by ConvertTo-Json');
    const c = aksHciView([a]).config;
    expect(c?.kva.str('vnetvippoolstart')).toBe('10.0.0.41');
    expect(c?.kva.str('vnetvippoolend')).toBe('10.0.0.250');
    expect(c?.kva.str('controlplaneVmSize')).toBe('Standard_A4_v2');
    expect(c?.akshci.str('version')).toBe('1.0.24.11029');
    expect(c?.moc.list('dnsservers')).toEqual(['10.0.0.2', '10.0.0.3']);
    // A type name is never read as a value.
    expect(c?.akshci.str('commands')).toBeUndefined();
    expect(c?.kva.list('clusters')).toEqual([]);
  });

  it('accepts Get-AksHciCluster for all clusters, reading @{…} values back', () => {
    const a = load('aks-hci-cluster', 'cluster-depth2-utf16le.json');
    expect(neededTruncation(a, 'clusters.json')).toBeUndefined();
    expect(a.truncated).toEqual(['[0].AutoScalerProfile', '[1].AutoScalerProfile']);
    expect(a.notes.join('\n')).toMatch(
      /depth limit, values read from it: \[0\]\.Status, \[0\]\.LoadBalancer/,
    );
    const [c1, c2] = aksHciView([a]).clusters;
    expect(c1).toMatchObject({
      name: 'akswc1',
      nodePools: ['akswc1-linux', 'akswc1-gpu'],
      loadBalancer: { vmSize: 'Standard_A4_v2', count: 1, sku: 'HAProxy' },
      provisioningState: 'Deployed',
    });
    expect(c2?.loadBalancer).toEqual({ vmSize: 'Standard_K8S3_v1', count: 2, sku: 'HAProxy' });
  });

  it('refuses it when a value the runbook needs was cut off, hinting -Depth 10', () => {
    const a = load('aks-hci-config', 'config-depth2-needed.json');
    const err = neededTruncation(a, 'config.json');
    expect(err?.code).toBe('USAGE');
    expect(err?.message).toBe(
      "config.json: 1 value(s) the recovery runbook needs were cut off by ConvertTo-Json's depth limit (default 2): Moc.dnsservers",
    );
    expect(err?.hint).toContain('Get-AksHciConfig | ConvertTo-Json -Depth 10');
  });

  it('never puts a type name into the runbook', () => {
    const p = profile((x) => (x.attachments = [load('aks-hci-config', 'config-depth2-needed.json')]));
    const text = renderText(buildRunbook({ profile: p, platform: 'aks-hci', backup: 'b1' }));
    expect(text).not.toContain('System.');
    expect(text).toContain('-vipPoolStart 10.0.0.41');
  });
});

describe('the runbook from a stored export', () => {
  it('asks for the proxy credential when only the proxy URL carried it', () => {
    const config = {
      Moc: { gateway: '10.0.0.1' },
      AksHci: {
        proxyServerHTTP: 'http://svc:Pa55@proxy.local:3128',
        proxyServerHTTPS: 'http://proxy.local:3128',
      },
      Kva: { vnetvippoolstart: '10.0.0.41' },
    };
    const a = importAttachment('aks-hci-config', 'c.json', Buffer.from(JSON.stringify(config)));
    const p = profile((x) => (x.attachments = [a]));
    const text = renderText(buildRunbook({ profile: p, platform: 'aks-hci', backup: 'b1' }));
    expect(text).toContain('-http http://proxy.local:3128');
    expect(text).toContain('-credential (Get-Credential)');
    expect(text).not.toContain('Pa55');
  });
});
