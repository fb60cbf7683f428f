import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import { startControlPlane, stopControlPlane } from '../harness/control-plane.ts';
import { startS3 } from '../harness/object-stores.ts';
import { freePort, stopProcess } from '../harness/processes.ts';
import { runCli } from '../helpers/cli.ts';
import { seedEstate } from '../helpers/estate.ts';
import { createS3Bucket } from '../helpers/locations.ts';

/** What an operator meets on a bad day: each fault gives a clear error, a hint, and no half-written backup. */
const harness = inject('harness');
const source = harness.clusters['source']!.kubeconfig;
const suffix = randomBytes(3).toString('hex');
let dir: string;

async function configWith(locations: unknown[]): Promise<Record<string, string>> {
  const path = join(dir, `config-${randomBytes(3).toString('hex')}.yaml`);
  await writeFile(path, stringify({ apiVersion: 'lifeboat.io/v1alpha1', kind: 'Config', locations }));
  return { LIFEBOAT_CONFIG: path, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' };
}

async function s3Location(name: string, bucket: string, endpoint: string, keyId: string, secret: string) {
  const creds = join(dir, `${name}-credentials`);
  await writeFile(creds, `[default]\naws_access_key_id = ${keyId}\naws_secret_access_key = ${secret}\n`);
  return {
    name,
    provider: 'aws',
    default: true,
    objectStorage: { bucket },
    config: { region: 'us-east-1', s3Url: endpoint, s3ForcePathStyle: 'true' },
    credentialsFile: creds,
  };
}

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-faults-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('backup faults', () => {
  it('an unreachable cluster fails within seconds, with a hint', async () => {
    const kubeconfig = join(dir, 'unreachable.kubeconfig');
    const text = await readFile(source, 'utf8');
    await writeFile(
      kubeconfig,
      text.replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${await freePort()}`),
    );
    await mkdir(join(dir, 'fs1'));
    const env = await configWith([
      { name: 'fs', provider: 'filesystem', objectStorage: { bucket: join(dir, 'fs1') }, default: true },
    ]);
    const run = await runCli(['backup', 'create', `unreach-${suffix}`, '--kubeconfig', kubeconfig], { env });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/cannot reach the API server https:\/\/127\.0\.0\.1:\d+/);
    expect(run.stderr).toContain('hint:');
    expect(run.ms).toBeLessThan(20_000);
    expect(await filesUnder(join(dir, 'fs1'))).toEqual([]);
  });

  it('bad S3 credentials fail fast with a hint, and the secret never shows', async () => {
    const s3 = harness.s3!;
    const env = await configWith([
      await s3Location('bad', `lifeboat-${suffix}`, s3.endpoint, s3.accessKeyId, 'definitely-wrong-secret'),
    ]);
    const run = await runCli(['backup', 'create', `badcreds-${suffix}`, '--kubeconfig', source], { env });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('hint:');
    expect(run.stderr + run.stdout).not.toContain('definitely-wrong-secret');
    expect(run.ms).toBeLessThan(20_000);
  });

  it('a missing bucket fails with a hint to create it', async () => {
    const s3 = harness.s3!;
    const env = await configWith([
      await s3Location(
        'nobucket',
        `no-such-bucket-${suffix}`,
        s3.endpoint,
        s3.accessKeyId,
        s3.secretAccessKey,
      ),
    ]);
    const run = await runCli(['backup', 'create', `nobucket-${suffix}`, '--kubeconfig', source], { env });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/no-such-bucket/);
    expect(run.stderr).toMatch(/hint: .*bucket/i);
  });

  it('when the object store stops mid-backup, nothing is listed and the error says so', async () => {
    const s3dir = join(dir, 'flaky-s3');
    const { env: s3env, proc } = await startS3(s3dir);
    try {
      const bucket = `flaky-${suffix}`;
      await createS3Bucket(s3env, bucket);
      const env = await configWith([
        await s3Location('flaky', bucket, s3env.endpoint, s3env.accessKeyId, s3env.secretAccessKey),
      ]);
      let killed: Promise<void> | undefined;
      const run = await runCli(
        ['backup', 'create', `midupload-${suffix}`, '--kubeconfig', source, '-o', 'json'],
        {
          env,
          onLine: (line) => {
            if (killed === undefined && line.includes('"type":"progress"')) killed = stopProcess(proc);
          },
        },
      );
      await killed;
      expect(killed).toBeDefined();
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/backup not stored/);
      expect(run.stderr).toContain('hint:');
      const stored = await filesUnder(join(s3dir, 'data'));
      expect(stored.filter((f) => f.endsWith('velero-backup.json'))).toEqual([]);
    } finally {
      await stopProcess(proc);
    }
  });

  describe('on a cluster of its own', () => {
    let plane: Awaited<ReturnType<typeof startControlPlane>>;
    let env: Record<string, string>;
    beforeAll(async () => {
      plane = await startControlPlane(`faulty-${suffix}`, join(dir, 'faulty'));
      const client = new KubeClient(loadKubeConfig({ kubeconfig: plane.kubeconfig }));
      await seedEstate(client, 'faulty');
      client.close();
      await mkdir(join(dir, 'fs2'));
      env = await configWith([
        { name: 'fs', provider: 'filesystem', objectStorage: { bucket: join(dir, 'fs2') }, default: true },
      ]);
    });
    afterAll(async () => stopControlPlane(plane));

    it('a type that cannot be listed (conversion webhook down) makes the backup PartiallyFailed, with the reason', async () => {
      const client = new KubeClient(loadKubeConfig({ kubeconfig: plane.kubeconfig }));
      await client.text({
        method: 'POST',
        path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
        body: GADGET_CRD,
      });
      for (let i = 0; i < 100; i++) {
        try {
          await client.text({
            method: 'POST',
            path: '/apis/faulty.lifeboat.io/v1/namespaces/faulty-app/gadgets',
            body: { apiVersion: 'faulty.lifeboat.io/v1', kind: 'Gadget', metadata: { name: 'g1' } },
          });
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 100)); // until the CRD is served
        }
      }
      client.close();
      const name = `partial-${suffix}`;
      const run = await runCli(
        ['backup', 'create', name, '--kubeconfig', plane.kubeconfig, '--include-namespaces', 'faulty-*'],
        { env },
      );
      expect(run.status).toBe(3);
      expect(run.stdout).toMatch(/PartiallyFailed/);
      const described = await runCli(['backup', 'describe', name, '-o', 'json'], { env });
      const d = JSON.parse(described.stdout) as {
        backup: { status: { phase: string; errors: number } };
        results: { errors: { namespaces: Record<string, string[]> } };
      };
      expect(d.backup.status).toMatchObject({ phase: 'PartiallyFailed', errors: 1 });
      expect(d.results.errors.namespaces['faulty-app']?.[0]).toMatch(
        /resource: \/gadgets\.faulty\.lifeboat\.io message: \/Error listing items error: \/.*conversion webhook/,
      );
      const text = await runCli(['backup', 'describe', name], { env });
      expect(text.stdout).toMatch(/Errors:\n {2}faulty-app: resource: \/gadgets/);
      expect((await runCli(['backup', 'verify', name], { env })).status).toBe(0);
    });

    it('when the API server stops mid-backup, the backup ends Failed with the reason, never Completed', async () => {
      const apiserver = plane.processes.find((p) => p.name.endsWith('kube-apiserver'))!;
      let killed: Promise<void> | undefined;
      const name = `apidown-${suffix}`;
      const run = await runCli(['backup', 'create', name, '--kubeconfig', plane.kubeconfig, '-o', 'json'], {
        env,
        onLine: (line) => {
          if (killed === undefined && line.includes('"type":"progress"')) killed = stopProcess(apiserver);
        },
      });
      await killed;
      expect(run.status).toBe(1);
      const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
        backup: { phase: string; failureReason: string };
      };
      expect(result.backup.phase).toBe('Failed');
      expect(result.backup.failureReason).toMatch(/cannot reach the API server/);
      const listed = await runCli(['backup', 'get', name, '-o', 'json'], { env });
      expect(JSON.parse(listed.stdout)).toMatchObject([{ name, phase: 'Failed' }]);
      const described = await runCli(['backup', 'describe', name], { env });
      expect(described.stdout).toMatch(/Failure: +cannot reach the API server/);
    });
  });
});

/** v2 is served and preferred, v1 stores: listing at v2 needs the (absent) conversion webhook. */
const GADGET_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'gadgets.faulty.lifeboat.io' },
  spec: {
    group: 'faulty.lifeboat.io',
    scope: 'Namespaced',
    names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
    conversion: {
      strategy: 'Webhook',
      webhook: {
        conversionReviewVersions: ['v1'],
        clientConfig: { service: { namespace: 'nowhere', name: 'converter', path: '/convert' } },
      },
    },
    versions: ['v1', 'v2'].map((name) => ({
      name,
      served: true,
      storage: name === 'v1',
      schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
    })),
  },
};
