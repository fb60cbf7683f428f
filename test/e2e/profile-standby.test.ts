import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import { runCli } from '../helpers/cli.ts';
import { writeFilesystemConfig } from '../helpers/locations.ts';

/**
 * The operator's day: back up with the AKS-HCI exports attached, read the profile back from the
 * bucket, check the cold standby (missing StorageClass, no nodes, names taken), get the runbook.
 */
const harness = inject('harness');
const source = harness.clusters['source']!.kubeconfig;
const standby = harness.clusters['standby']!.kubeconfig;
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'aks-hci');
const suffix = randomBytes(3).toString('hex');
const ns = `prof-${suffix}`;
const sc = `prof-fast-${suffix}`;
const backup = `prof-${suffix}`;
let dir: string;
let env: Record<string, string>;

interface Finding {
  severity: string;
  code: string;
  message: string;
  hint: string;
}

const lifeboat = (...args: string[]) => runCli(['--log-level', 'error', ...args], { env });

async function check(
  ...args: string[]
): Promise<{ status: number | null; findings: Finding[]; stderr: string }> {
  const run = await lifeboat('standby', 'check', '-o', 'json', ...args);
  const body = JSON.parse(run.stdout || '{}') as { findings?: Finding[] };
  return { status: run.status, findings: body.findings ?? [], stderr: run.stderr };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-profile-'));
  const config = join(dir, 'config.yaml');
  await writeFilesystemConfig(config, join(dir, 'bucket'));
  env = { LIFEBOAT_CONFIG: config };
  const client = new KubeClient(loadKubeConfig({ kubeconfig: source }));
  const post = (path: string, body: object) => client.json({ method: 'POST', path, body });
  try {
    await post('/api/v1/namespaces', { metadata: { name: ns } });
    await post(`/api/v1/namespaces/${ns}/configmaps`, {
      metadata: { name: 'settings' },
      data: { mode: 'prod' },
    });
    await post(`/api/v1/namespaces/${ns}/persistentvolumeclaims`, {
      metadata: { name: 'data' },
      spec: {
        storageClassName: sc,
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
      },
    });
    await post(`/api/v1/namespaces/${ns}/services`, {
      metadata: { name: 'front' },
      spec: { type: 'LoadBalancer', selector: { app: 'trainer' }, ports: [{ port: 443 }] },
    });
    await post(`/api/v1/namespaces/${ns}/services`, {
      metadata: { name: 'inner' },
      spec: { selector: { app: 'trainer' }, ports: [{ port: 80 }] },
    });
    await post(`/apis/apps/v1/namespaces/${ns}/deployments`, {
      metadata: { name: 'trainer' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'trainer' } },
        template: {
          metadata: { labels: { app: 'trainer' } },
          spec: {
            nodeSelector: { accelerator: 'nvidia' },
            tolerations: [{ key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
            containers: [{ name: 'main', image: 'busybox' }],
          },
        },
      },
    });
  } finally {
    client.close();
  }
  const created = await lifeboat(
    'backup',
    'create',
    backup,
    '--kubeconfig',
    source,
    '--include-namespaces',
    ns,
    '--attach',
    `aks-hci-config=${join(fixtures, 'config-utf16le.json')}`,
    '--attach',
    `aks-hci-cluster=${join(fixtures, 'cluster.json')}`,
    '--attach',
    `aks-hci-nodepool=${join(fixtures, 'nodepool-utf16be.json')}`,
  );
  expect(created.status, created.stdout + created.stderr).toBe(0);
});

afterAll(async () => {
  const client = new KubeClient(loadKubeConfig({ kubeconfig: source }));
  await client.json({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
  client.close();
  await rm(dir, { recursive: true, force: true });
});

describe('profile stored with the backup', () => {
  it('is in the backup folder, with the attachments and no secret in its bytes', async () => {
    const bytes = gunzipSync(
      await readFile(join(dir, 'bucket', 'backups', backup, `${backup}-cluster-profile.json.gz`)),
    );
    const text = bytes.toString('utf8');
    const identity = JSON.parse(
      (await readFile(join(fixtures, 'config.json'), 'utf8')).replace(/^\uFEFF/, ''),
    ) as { Kva: { identity: string } };
    for (const secret of [
      'Pr0xyPassw0rd!',
      'proxyuser',
      'eyJhbGciOiJSUzI1NiIsImtpZCI6IlNFQ1JFVC1UT0tFTi1WQUxVRSJ9',
      identity.Kva.identity,
      'akshci_rsa',
    ])
      expect(text).not.toContain(secret);
    expect(text).toContain('[REDACTED]');
  });

  it('shows through profile show, with the classes the backed-up PVCs use and its LoadBalancer Services', async () => {
    const run = await lifeboat('profile', 'show', '--from-backup', backup, '-o', 'json');
    expect(run.status, run.stderr).toBe(0);
    const p = JSON.parse(run.stdout) as {
      metadata: { backup: string; platform: string };
      attachments: { kind: string }[];
      storage: { usedByBackup: { storageClass: string; pvcs: number }[] };
      ingress: { loadBalancerServices: { namespace: string; name: string }[] };
    };
    expect(p.metadata).toMatchObject({ backup, platform: 'aks-hci' });
    expect(p.attachments.map((a) => a.kind)).toEqual([
      'aks-hci-config',
      'aks-hci-cluster',
      'aks-hci-nodepool',
    ]);
    expect(p.storage.usedByBackup).toEqual([{ storageClass: sc, pvcs: 1, namespaces: [ns] }]);
    // Taken from the Services the backup stored: this namespace's one LoadBalancer, nothing else.
    expect(p.ingress.loadBalancerServices).toEqual([{ namespace: ns, name: 'front', addresses: [] }]);
    const text = await lifeboat('profile', 'show', '--from-backup', backup);
    expect(text.stdout).toContain('Attachments: aks-hci-config (config-utf16le.json, utf-16le with BOM');
  });
});

describe('standby check', () => {
  it('is not ready for the empty standby: the StorageClass is missing, there are no nodes', async () => {
    const { status, findings, stderr } = await check('--from-backup', backup, '--kubeconfig', standby);
    expect(status, stderr).toBe(1);
    const missing = findings.find((f) => f.code === 'STORAGE_CLASS_MISSING');
    expect(missing).toMatchObject({ severity: 'blocking' });
    expect(missing?.message).toContain(`${ns}/data`);
    expect(missing?.hint).toContain(`--storage-class-mappings ${sc}:<class>`);
    expect(findings.find((f) => f.code === 'NO_NODES')?.severity).toBe('warning');
    expect(findings[0]?.severity).toBe('blocking');
  });

  it('prints a table, blocking first, each with a hint', async () => {
    const run = await lifeboat('standby', 'check', '--from-backup', backup, '--kubeconfig', standby);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/NOT READY — \d+ blocking/);
    expect(run.stdout).toMatch(/BLOCKING\s+STORAGE_CLASS_MISSING/);
    expect(run.stdout).toMatch(/\n\s+hint: create StorageClass/);
  });

  it('reports the names the restore would find taken when the target is the source itself', async () => {
    const { findings } = await check(
      '--from-backup',
      backup,
      '--kubeconfig',
      source,
      '--storage-class-mappings',
      `${sc}:x-${sc}`,
    );
    const collision = findings.find((f) => f.code === 'NAMESPACE_COLLISION');
    expect(collision?.message).toMatch(
      new RegExp(
        `^\\d+ object\\(s\\) of the backup already exist in the target, in namespace\\(s\\) ${ns}: `,
      ),
    );
    expect(collision?.message).toContain(`${ns}/deployments.apps: trainer`);
    expect(findings.find((f) => f.code === 'STORAGE_CLASS_MISSING')?.message).toContain(`x-${sc}`);
  });

  it('exits 2 when it cannot check', async () => {
    const unknown = await check('--from-backup', 'no-such-backup', '--kubeconfig', standby);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('no-such-backup');
    const unreachable = await check('--from-backup', backup, '--kubeconfig', join(dir, 'missing-kubeconfig'));
    expect(unreachable.status).toBe(2);
    expect(unreachable.stderr).toMatch(/kubeconfig file .* does not exist/);
  });

  it('still works for a backup without a profile, saying so', async () => {
    await rm(join(dir, 'bucket', 'backups', backup, `${backup}-cluster-profile.json.gz`));
    const { status, findings } = await check('--from-backup', backup, '--kubeconfig', standby);
    expect(status).toBe(1);
    expect(findings.map((f) => f.code)).toEqual(
      expect.arrayContaining(['STORAGE_CLASS_MISSING', 'PROFILE_MISSING']),
    );
    const runbook = await lifeboat('runbook', '--from-backup', backup, '-o', 'text');
    expect(runbook.status, runbook.stderr).toBe(0);
    expect(runbook.stderr).toContain('has no cluster profile');
    expect(runbook.stdout).toContain(`use the StorageClasses ${sc}`);
  });
});

describe('runbook', () => {
  it('writes the AKS-HCI procedure with the exact cluster parameters', async () => {
    const b2 = `${backup}-rb`;
    const created = await lifeboat(
      'backup',
      'create',
      b2,
      '--kubeconfig',
      source,
      '--include-namespaces',
      ns,
      '--attach',
      `aks-hci-cluster=${join(fixtures, 'cluster.json')}`,
    );
    expect(created.status, created.stderr).toBe(0);
    const run = await lifeboat('runbook', '--from-backup', b2, '--platform', 'aks-hci');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /New-AksHciCluster `\n {2}-name akswc1 `\n {2}-kubernetesVersion v1\.29\.4 `\n {2}-controlPlaneNodeCount 3 `\n {2}-controlPlaneVmSize Standard_A2_v2 `/,
    );
    expect(run.stdout).toContain(
      `lifeboat restore create --from-backup ${b2} --kubeconfig <standby kubeconfig>`,
    );
  });

  it('refuses an attachment cut off by ConvertTo-Json before backing up anything', async () => {
    const run = await lifeboat(
      'backup',
      'create',
      `${backup}-bad`,
      '--kubeconfig',
      source,
      '--include-namespaces',
      ns,
      '--attach',
      `aks-hci-cluster=${join(fixtures, 'cluster-truncated.json')}`,
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('cluster-truncated.json');
    expect(run.stderr).toContain('ConvertTo-Json -Depth 10');
    const got = await lifeboat('backup', 'get', `${backup}-bad`);
    expect(got.status).not.toBe(0);
  });
});
