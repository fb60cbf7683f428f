import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeApiError, KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import type { KubeObject } from '../../src/model/kube-object.ts';
import { MAIN, runCli } from '../helpers/cli.ts';
import { eventually } from '../helpers/kube.ts';
import { createLocations, type LocationsFixture } from '../helpers/locations.ts';

const harness = inject('harness');
const source = harness.clusters['source']!.kubeconfig;
const standby = harness.clusters['standby']!.kubeconfig;
const id = randomBytes(3).toString('hex');
const ns = `rst-${id}`;
const group = `r${id}.lifeboat.io`;
const storageClass = `rst-${id}-sc`;
const pvName = `rst-${id}-pv`;
let locations: LocationsFixture;
let src: KubeClient;
let dst: KubeClient;

function lifeboat(...args: string[]) {
  return runCli(['--log-level', 'error', ...args], { env: locations.env });
}

async function post(client: KubeClient, path: string, body: unknown): Promise<void> {
  await client.text({ method: 'POST', path, body });
}

async function get(client: KubeClient, path: string): Promise<KubeObject | undefined> {
  try {
    return await client.json<KubeObject>({ path });
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return undefined;
    throw err;
  }
}

async function seed(): Promise<void> {
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  const app = `/api/v1/namespaces/${ns}`;
  await post(src, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
    metadata: { name: `gadgets.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: { size: { type: 'integer' }, color: { type: 'string' } },
                },
              },
            },
          },
        },
      ],
    },
  });
  await post(src, '/api/v1/namespaces', { metadata: { name: ns, labels: { team: 'payments' } } });
  await post(src, '/apis/storage.k8s.io/v1/storageclasses', {
    metadata: { name: storageClass },
    provisioner: 'smb.csi.k8s.io',
    reclaimPolicy: 'Retain',
    volumeBindingMode: 'Immediate',
  });
  await post(src, '/api/v1/persistentvolumes', {
    metadata: { name: pvName },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteMany'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: storageClass,
      csi: { driver: 'smb.csi.k8s.io', volumeHandle: pvName },
      claimRef: { namespace: ns, name: 'data' },
    },
  });
  await post(src, `${app}/persistentvolumeclaims`, {
    metadata: { name: 'data' },
    spec: {
      accessModes: ['ReadWriteMany'],
      storageClassName: storageClass,
      volumeName: pvName,
      resources: { requests: { storage: '1Gi' } },
    },
  });
  await post(src, `${app}/configmaps`, {
    metadata: { name: 'settings', labels: { tier: 'web' } },
    data: { 'app.yaml': 'replicas: 2\n' },
  });
  await post(src, `${app}/secrets`, {
    metadata: { name: 'db', labels: { tier: 'db' } },
    type: 'Opaque',
    stringData: { password: 'correct-horse' },
  });
  await post(src, `${app}/serviceaccounts`, { metadata: { name: 'web' } });
  await post(src, `${rbac}/namespaces/${ns}/roles`, {
    metadata: { name: 'reader' },
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
  });
  await post(src, `${rbac}/namespaces/${ns}/rolebindings`, {
    metadata: { name: 'reader' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
    subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: ns }],
  });
  await post(src, `${app}/services`, {
    metadata: { name: 'web', labels: { tier: 'web' } },
    spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
  });
  await post(src, `/apis/apps/v1/namespaces/${ns}/deployments`, {
    metadata: { name: 'web', labels: { tier: 'web' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { serviceAccountName: 'web', containers: [{ name: 'web', image: 'nginx:1.27' }] },
      },
    },
  });
  await eventually('the CRD to be established', async () => {
    const crd = await get(src, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.${group}`);
    const conditions =
      (crd?.['status'] as { conditions?: { type: string; status: string }[] })?.conditions ?? [];
    return conditions.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
  });
  for (const color of ['blue', 'green']) {
    await post(src, `/apis/${group}/v1/namespaces/${ns}/gadgets`, {
      apiVersion: `${group}/v1`,
      kind: 'Gadget',
      metadata: { name: color },
      spec: { size: 3, color },
    });
  }
  await eventually(
    'the PVC to bind',
    async () =>
      ((await get(src, `${app}/persistentvolumeclaims/data`))?.['status'] as { phase?: string })?.phase ===
        'Bound' || undefined,
  );
  await eventually('the deployment pod', async () => {
    const list = await src.json<{ items: unknown[] }>({ path: `${app}/pods` });
    return list.items.length > 0 || undefined;
  });
}

beforeAll(async () => {
  locations = await createLocations(harness);
  src = new KubeClient(loadKubeConfig({ kubeconfig: source }));
  dst = new KubeClient(loadKubeConfig({ kubeconfig: standby }));
  await seed();
  for (const location of ['fs', 's3', 'azure']) {
    const run = await lifeboat(
      'backup',
      'create',
      `b-${location}-${id}`,
      '--kubeconfig',
      source,
      '--include-namespaces',
      ns,
      '--include-cluster-resources',
      'true',
      '--include-resources',
      'namespaces,configmaps,secrets,services,deployments,replicasets,pods,serviceaccounts,roles,rolebindings,persistentvolumeclaims,persistentvolumes,customresourcedefinitions,gadgets.' +
        group,
      '--storage-location',
      location,
    );
    expect(run.status, run.stderr).toBe(0);
  }
});

afterAll(async () => {
  src.close();
  dst.close();
  await locations.cleanup();
});

const spec = (o: KubeObject | undefined) => o?.['spec'] as Record<string, unknown> | undefined;

/** The standby holds the estate, restored into `target`, equal to the source after normalisation. */
async function expectRestored(target: string, scName = storageClass): Promise<void> {
  const app = `/api/v1/namespaces/${target}`;
  const cm = await get(dst, `${app}/configmaps/settings`);
  expect(cm?.['data']).toEqual({ 'app.yaml': 'replicas: 2\n' });
  expect(cm?.metadata.labels).toMatchObject({
    tier: 'web',
    'velero.io/backup-name': expect.stringMatching(/^b-/) as unknown,
  });
  const secret = await get(dst, `${app}/secrets/db`);
  expect(Buffer.from((secret?.['data'] as Record<string, string>)['password']!, 'base64').toString()).toBe(
    'correct-horse',
  );
  const srcSvc = await get(src, `/api/v1/namespaces/${ns}/services/web`);
  const svc = await get(dst, `${app}/services/web`);
  expect(spec(svc)?.['type']).toBe('NodePort');
  expect(spec(svc)?.['clusterIP']).not.toBe(spec(srcSvc)?.['clusterIP']);
  expect(spec(await get(dst, `/apis/apps/v1/namespaces/${target}/deployments/web`))?.['template']).toEqual(
    spec(await get(src, `/apis/apps/v1/namespaces/${ns}/deployments/web`))?.['template'],
  );
  const rb = await get(dst, `/apis/rbac.authorization.k8s.io/v1/namespaces/${target}/rolebindings/reader`);
  expect(rb?.['subjects']).toEqual([{ kind: 'ServiceAccount', name: 'web', namespace: target }]);
  expect(
    await get(dst, `/apis/rbac.authorization.k8s.io/v1/namespaces/${target}/roles/reader`),
  ).toBeDefined();
  for (const color of ['blue', 'green']) {
    expect(spec(await get(dst, `/apis/${group}/v1/namespaces/${target}/gadgets/${color}`))).toEqual({
      size: 3,
      color,
    });
  }
  const pvc = await get(dst, `${app}/persistentvolumeclaims/data`);
  expect(spec(pvc)?.['storageClassName']).toBe(scName);
  expect((await get(dst, `/api/v1/namespaces/${target}`))?.metadata.labels).toMatchObject({
    team: 'payments',
  });
}

describe('restore create into the standby', () => {
  it('restores a filesystem backup: every object present and equal, PV bound, CRD before its resources; verify passes', async () => {
    const name = `r-fs-${id}`;
    await post(dst, '/apis/storage.k8s.io/v1/storageclasses', {
      metadata: { name: storageClass },
      provisioner: 'smb.csi.k8s.io',
      reclaimPolicy: 'Retain',
    });
    const run = await lifeboat(
      'restore',
      'create',
      name,
      '--from-backup',
      `b-fs-${id}`,
      '--kubeconfig',
      standby,
      '--include-namespaces',
      ns,
      '--verify',
    );
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`Restore "${name}" Completed`));
    expect(run.stdout).toContain(`Restore "${name}" verified.`);
    await expectRestored(ns);
    const pv = await get(dst, `/api/v1/persistentvolumes/${pvName}`);
    expect((spec(pv)?.['claimRef'] as { namespace: string }).namespace).toBe(ns);
    await eventually(
      'the restored PVC to bind',
      async () =>
        (
          (await get(dst, `/api/v1/namespaces/${ns}/persistentvolumeclaims/data`))?.['status'] as {
            phase?: string;
          }
        )?.phase === 'Bound' || undefined,
    );

    const described = await lifeboat('restore', 'describe', name, '--details', '-o', 'json');
    const d = JSON.parse(described.stdout) as {
      record: { phase: string };
      resourceList: Record<string, string[]>;
    };
    expect(d.record.phase).toBe('Completed');
    expect(d.resourceList[`${group}/v1/Gadget`]).toEqual([`${ns}/blue(created)`, `${ns}/green(created)`]);
    expect(d.resourceList['v1/PersistentVolume']).toEqual([`${pvName}(created)`]);
    expect((await lifeboat('restore', 'get', '-o', 'json')).stdout).toContain(name);
    const logs = await lifeboat('restore', 'logs', name);
    expect(logs.stdout).toContain(`restoring backup b-fs-${id}`);
    expect(logs.stdout).not.toContain('correct-horse');

    // Idempotent: the same restore again creates nothing and reports everything as skipped.
    const again = await lifeboat(
      'restore',
      'create',
      `${name}-again`,
      '--from-backup',
      `b-fs-${id}`,
      '--kubeconfig',
      standby,
      '--include-namespaces',
      ns,
      '-o',
      'json',
    );
    expect(again.status, again.stderr).toBe(0);
    const result = JSON.parse(again.stdout.trim().split('\n').at(-1)!) as {
      restore: { counts: Record<string, number> };
    };
    expect(result.restore.counts).toMatchObject({ created: 0, failed: 0 });
    expect(result.restore.counts['skipped']).toBeGreaterThan(10);

    const deleted = await lifeboat('restore', 'delete', `${name}-again`, '--confirm');
    expect(deleted.status).toBe(0);
    expect((await lifeboat('restore', 'describe', `${name}-again`)).status).toBe(1);
  });

  it.each(['s3', 'azure'])(
    'restores a backup from %s with namespace and storage-class mappings',
    async (location) => {
      const target = `${ns}-${location}`;
      const sc = `${storageClass}-${location}`;
      await post(dst, '/apis/storage.k8s.io/v1/storageclasses', {
        metadata: { name: sc },
        provisioner: 'smb.csi.k8s.io',
      });
      const run = await lifeboat(
        'restore',
        'create',
        '--from-backup',
        `b-${location}-${id}`,
        '--storage-location',
        location,
        '--kubeconfig',
        standby,
        '--include-namespaces',
        ns,
        '--include-resources',
        'configmaps,secrets,services,deployments,roles,rolebindings,gadgets,persistentvolumeclaims,serviceaccounts',
        '--namespace-mappings',
        `${ns}:${target}`,
        '--storage-class-mappings',
        `${storageClass}:${sc}`,
      );
      expect(run.status, run.stdout + run.stderr).toBe(0);
      await expectRestored(target, sc);
    },
  );

  it('--dry-run prints the plan with pre-flight findings and writes nothing', async () => {
    const target = `${ns}-dry`;
    const run = await lifeboat(
      'restore',
      'create',
      `dry-${id}`,
      '--from-backup',
      `b-fs-${id}`,
      '--kubeconfig',
      standby,
      '--include-namespaces',
      ns,
      '--namespace-mappings',
      `${ns}:${target}`,
      '--storage-class-mappings',
      `${storageClass}:missing-${id}`,
      '--dry-run',
      '-o',
      'json',
    );
    expect(run.status, run.stderr).toBe(0);
    const plan = JSON.parse(run.stdout) as {
      phase: string;
      plan: { findings: { kind: string }[]; totals: { create: number } };
    };
    expect(plan.phase).toBe('DryRun');
    expect(plan.plan.totals.create).toBeGreaterThan(10);
    expect(plan.plan.findings.map((f) => f.kind)).toContain('storage-class-missing');
    expect(await get(dst, `/api/v1/namespaces/${target}`)).toBeUndefined();
    expect((await lifeboat('restore', 'describe', `dry-${id}`)).status).toBe(1);
    const text = await lifeboat(
      'restore',
      'create',
      `dry-${id}`,
      '--from-backup',
      `b-fs-${id}`,
      '--kubeconfig',
      standby,
      '--include-namespaces',
      ns,
      '--dry-run',
      '--details',
    );
    expect(text.stdout).toMatch(/exists-identical +\S+\/settings/);
  });

  it('existing-resource policy: none leaves a changed object and warns; update patches it back', async () => {
    const path = `/api/v1/namespaces/${ns}/configmaps/settings`;
    await dst.text({
      method: 'PATCH',
      path,
      body: { data: { 'app.yaml': 'replicas: 9\n' } },
      contentType: 'application/merge-patch+json',
    });
    const none = await lifeboat(
      'restore',
      'create',
      `none-${id}`,
      '--from-backup',
      `b-fs-${id}`,
      '--kubeconfig',
      standby,
      '--include-namespaces',
      ns,
    );
    expect(none.status, none.stderr).toBe(0);
    expect((await get(dst, path))?.['data']).toEqual({ 'app.yaml': 'replicas: 9\n' });
    const described = JSON.parse(
      (await lifeboat('restore', 'describe', `none-${id}`, '-o', 'json')).stdout,
    ) as { results: { warnings: { namespaces: Record<string, string[]> } } };
    expect(described.results.warnings.namespaces[ns]).toContainEqual(
      expect.stringContaining('ConfigMap "settings" already exists'),
    );
    const update = await lifeboat(
      'restore',
      'create',
      `update-${id}`,
      '--from-backup',
      `b-fs-${id}`,
      '--kubeconfig',
      standby,
      '--include-namespaces',
      ns,
      '--existing-resource-policy',
      'update',
    );
    expect(update.status, update.stderr).toBe(0);
    expect(update.stdout).toMatch(/[1-9]\d* updated/);
    const cm = await get(dst, path);
    expect(cm?.['data']).toEqual({ 'app.yaml': 'replicas: 2\n' });
    expect(cm?.metadata.labels?.['velero.io/restore-name']).toBe(`update-${id}`);
  });

  it('an interrupted restore stops cleanly, records what it did, and a re-run finishes the rest', async () => {
    const bulk = `${ns}-bulk`;
    await post(src, '/api/v1/namespaces', { metadata: { name: bulk } });
    for (let i = 0; i < 150; i++)
      await post(src, `/api/v1/namespaces/${bulk}/configmaps`, {
        metadata: { name: `cm-${i}` },
        data: { i: String(i) },
      });
    const backup = await lifeboat(
      'backup',
      'create',
      `bulk-${id}`,
      '--kubeconfig',
      source,
      '--include-namespaces',
      bulk,
    );
    expect(backup.status, backup.stderr).toBe(0);
    const name = `bulk-${id}`;
    const args = [
      '--log-level',
      'error',
      'restore',
      'create',
      name,
      '--from-backup',
      `bulk-${id}`,
      '--kubeconfig',
      standby,
      '--parallelism',
      '1',
      '-o',
      'json',
    ];
    const interrupted = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [MAIN, ...args], {
        env: { ...process.env, ...locations.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let sent = false;
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => {
        if (!sent && c.toString().includes('"phase":"restoring"')) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (status) => resolve({ status, stderr }));
    });
    expect(interrupted.status, interrupted.stderr).toBe(1);
    expect(interrupted.stderr).toMatch(/interrupted/);
    const list = await dst.json<{ items: unknown[] }>({ path: `/api/v1/namespaces/${bulk}/configmaps` });
    expect(list.items.length).toBeLessThan(150);
    const record = JSON.parse((await lifeboat('restore', 'describe', name, '-o', 'json')).stdout) as {
      record: { phase: string };
    };
    expect(record.record.phase).toBe('Interrupted');

    const rerun = await lifeboat(
      'restore',
      'create',
      name,
      '--from-backup',
      `bulk-${id}`,
      '--kubeconfig',
      standby,
      '--verify',
    );
    expect(rerun.status, rerun.stdout + rerun.stderr).toBe(0);
    expect(rerun.stdout).toContain(`Restore "${name}" verified.`);
    const after = await dst.json<{ items: KubeObject[] }>({ path: `/api/v1/namespaces/${bulk}/configmaps` });
    expect(after.items.filter((c) => c.metadata.name.startsWith('cm-'))).toHaveLength(150);
  });
});
