import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LifeboatError } from '../../errors/index.ts';
import { silentLogger } from '../../log/index.ts';
import { readAttachments, readScheduleAttachments } from './attachments.ts';

const fixtures = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'aks-hci');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-attach-'));
  await writeFile(join(dir, 'not-json.json'), 'Name : akswc1\r\nKubernetesVersion : v1.29.4\r\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('backup create --attach', () => {
  it('accepts Get-AksHciConfig | ConvertTo-Json > file from Windows PowerShell 5.1', async () => {
    const [a] = await readAttachments([`aks-hci-config=${join(fixtures, 'config-depth2-utf16le.json')}`]);
    expect(a?.truncated).toContain('Moc.commands');
  });

  it('refuses a file whose cut-off values the runbook needs, with the -Depth 10 hint', async () => {
    const err = await readAttachments([
      `aks-hci-config=${join(fixtures, 'config-depth2-needed.json')}`,
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LifeboatError);
    expect((err as LifeboatError).message).toContain('Moc.dnsservers');
    expect((err as LifeboatError).hint).toContain('ConvertTo-Json -Depth 10');
  });
});

describe("a schedule's attachments", () => {
  const read = (entries: { kind: string; file: string }[]) =>
    readScheduleAttachments(entries, fixtures, silentLogger());

  it('keeps a cut-off export as a warning, not an error', async () => {
    const got = await read([
      { kind: 'aks-hci-config', file: 'config-depth2-utf16le.json' },
      { kind: 'aks-hci-cluster', file: 'cluster-depth2-utf16le.json' },
    ]);
    expect(got.errors).toEqual([]);
    expect(got.attachments.map((a) => a.kind)).toEqual(['aks-hci-config', 'aks-hci-cluster']);
  });

  it('keeps what a file missing needed values holds, and says so as an error', async () => {
    const got = await read([{ kind: 'aks-hci-config', file: 'config-depth2-needed.json' }]);
    expect(got.attachments).toHaveLength(1);
    expect(got.errors).toHaveLength(1);
    expect(got.errors[0]).toMatch(/Moc\.dnsservers.*ConvertTo-Json -Depth 10/);
  });

  it('never quotes the file in its error (V8 quotes the start of text that is not JSON)', async () => {
    await writeFile(join(dir, 'secret.json'), 'hunter2-Pa55word and the rest');
    const got = await read([{ kind: 'aks-hci-config', file: join(dir, 'secret.json') }]);
    expect(got.errors[0]).toMatch(/secret\.json is not valid JSON/);
    expect(got.errors[0]).not.toContain('hunter2');
  });

  it('leaves out an unreadable file or one of another cmdlet, as an error each', async () => {
    const got = await read([
      { kind: 'aks-hci-config', file: join(dir, 'not-json.json') },
      { kind: 'aks-hci-cluster', file: 'network.json' },
      { kind: 'aks-hci-nodepool', file: join(dir, 'missing.json') },
    ]);
    expect(got.attachments).toEqual([]);
    expect(got.errors).toHaveLength(3);
    expect(got.errors[0]).toMatch(/not-json\.json.*table\/list output, not JSON/);
    expect(got.errors[1]).toMatch(/does not look like Get-AksHciCluster output/);
    expect(got.errors[2]).toMatch(/ENOENT/);
  });
});
