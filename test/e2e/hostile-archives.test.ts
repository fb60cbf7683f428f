/**
 * A corpus of hostile and broken backup archives, generated here, each put as a backup into a
 * location (filesystem, some through S3) and restored with `lifeboat restore create` into the real
 * standby. Each must end with a clear error: a refused archive exits 1 and creates nothing; a bad
 * item is an error of the restore naming it while the rest is restored; and no run crashes, hangs
 * or writes a file outside its temp dir.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeApiError, KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import type { KubeObject } from '../../src/model/kube-object.ts';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { createLocations, type LocationsFixture } from '../helpers/locations.ts';
import {
  CAPS,
  cm,
  crb,
  deepItem,
  good,
  json,
  REFUSED,
  type Case,
  type Outcome,
} from '../fixtures/hostile-archives.ts';
import { itemPath, tarGz, veleroBackupJson, writeBackup } from '../fixtures/velero/velero-archive.ts';

const harness = inject('harness');
const standby = harness.clusters['standby']!.kubeconfig;
const id = randomBytes(3).toString('hex');
const RUN_TIMEOUT_MS = 120_000;
let locations: LocationsFixture;
let dst: KubeClient;
let work: string;

const tally: Record<Outcome, number> & { crashes: number; hangs: number; wronglyCreated: number } = {
  refused: 0,
  'per-item': 0,
  restored: 0,
  crashes: 0,
  hangs: 0,
  wronglyCreated: 0,
};

async function get(path: string): Promise<KubeObject | undefined> {
  try {
    return await dst.json<KubeObject>({ path });
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return undefined;
    throw err;
  }
}

/** Objects in the standby carrying this restore's label, across the kinds the corpus holds. */
async function labelled(restore: string): Promise<string[]> {
  const lists = [
    '/api/v1/configmaps',
    '/api/v1/secrets',
    '/api/v1/services',
    '/api/v1/serviceaccounts',
    '/api/v1/pods',
    '/api/v1/persistentvolumeclaims',
    '/apis/apps/v1/deployments',
    '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
    '/apis/rbac.authorization.k8s.io/v1/rolebindings',
  ];
  const out: string[] = [];
  for (const path of lists) {
    const list = await dst.json<{ items: KubeObject[] }>({
      path,
      query: { labelSelector: `velero.io/restore-name=${restore}` },
    });
    for (const o of list.items) out.push(`${path} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
  }
  return out;
}

async function tree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    out.push(`${prefix}${e.name}`);
    if (e.isDirectory()) out.push(...(await tree(join(dir, e.name), `${prefix}${e.name}/`)));
  }
  return out.sort();
}

async function putS3Backup(name: string, tarball: Buffer): Promise<void> {
  const s3 = harness.s3!;
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  try {
    const key = (f: string) => `cluster-a/backups/${name}/${f}`;
    await client.send(
      new PutObjectCommand({ Bucket: locations.bucket, Key: key(`${name}.tar.gz`), Body: tarball }),
    );
    await client.send(
      new PutObjectCommand({
        Bucket: locations.bucket,
        Key: key('velero-backup.json'),
        Body: veleroBackupJson(name),
      }),
    );
  } finally {
    client.destroy();
  }
}

const expectInnocent = async (ns: string) => {
  expect((await get(`/api/v1/namespaces/${ns}/configmaps/innocent`))?.['data']).toEqual({ a: 'b' });
};

const PER_ITEM: Case[] = [
  {
    what: 'malformed JSON',
    outcome: 'per-item',
    build: (ns) =>
      tarGz([
        ...good(ns),
        { name: itemPath('configmaps', ns, 'broken'), body: '{"apiVersion": "v1", "kind": ' },
      ]),
    message: /configmaps\/namespaces\/[^/]+\/broken\.json" is not valid JSON/,
    check: expectInnocent,
  },
  {
    what: 'an item that is not an object',
    outcome: 'per-item',
    build: (ns) => tarGz([...good(ns), { name: itemPath('configmaps', ns, 'array'), body: '[1,2,3]' }]),
    message: /array\.json" is not a JSON object/,
    check: expectInnocent,
  },
  {
    what: 'an item nested 10,000 levels deep',
    outcome: 'per-item',
    build: (ns) => tarGz([...good(ns), { name: itemPath('configmaps', ns, 'deep'), body: deepItem(ns) }]),
    message: /deep\.json" is nested more than 1000 levels deep/,
    check: async (ns) => {
      await expectInnocent(ns);
      expect(await get(`/api/v1/namespaces/${ns}/configmaps/deep`)).toBeUndefined();
    },
    via: 's3',
  },
  {
    what: 'a ClusterRoleBinding under a namespace directory (namespace-filtered restore)',
    outcome: 'per-item',
    build: (ns) =>
      tarGz([
        ...good(ns),
        {
          name: `resources/clusterrolebindings.rbac.authorization.k8s.io/namespaces/${ns}/${ns}-admin.json`,
          body: crb(`${ns}-admin`, ns),
        },
      ]),
    args: (ns) => ['--include-namespaces', ns],
    message:
      /is under a namespace directory, but clusterrolebindings\.rbac\.authorization\.k8s\.io is cluster-scoped/,
    check: async (ns) => {
      await expectInnocent(ns);
      expect(await get(`/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${ns}-admin`)).toBeUndefined();
    },
  },
  {
    what: 'a Secret stored as a ConfigMap',
    outcome: 'per-item',
    build: (ns) =>
      tarGz([
        ...good(ns),
        {
          name: itemPath('configmaps', ns, 's'),
          body: json({
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 's', namespace: ns },
            data: { k: 'dg==' },
          }),
        },
      ]),
    message: /holds kind "Secret", but configmaps holds "ConfigMap" objects/,
    check: async (ns) => {
      await expectInnocent(ns);
      expect(await get(`/api/v1/namespaces/${ns}/secrets/s`)).toBeUndefined();
      expect(await get(`/api/v1/namespaces/${ns}/configmaps/s`)).toBeUndefined();
    },
  },
  {
    what: 'an item of another namespace in this namespace’s directory',
    outcome: 'per-item',
    build: (ns) =>
      tarGz([
        ...good(ns),
        { name: itemPath('configmaps', ns, 'planted'), body: cm('kube-system', 'planted') },
      ]),
    args: (ns) => ['--include-namespaces', ns],
    message: /is in namespace directory "[^"]+" but holds an object of namespace "kube-system"/,
    check: async (ns) => {
      await expectInnocent(ns);
      expect(await get('/api/v1/namespaces/kube-system/configmaps/planted')).toBeUndefined();
    },
  },
  {
    what: 'an item of another API group in a core directory',
    outcome: 'per-item',
    build: (ns) =>
      tarGz([
        ...good(ns),
        {
          name: itemPath('configmaps', ns, 'grp'),
          body: json({ apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'grp', namespace: ns } }),
        },
      ]),
    message: /API group "apps"\), but its directory configmaps is of API group ""/,
    check: expectInnocent,
  },
  {
    what: 'a resource directory called __proto__ next to workloads with restore actions',
    outcome: 'per-item',
    build: (ns) =>
      tarGz([
        ...good(ns),
        {
          name: 'resources/__proto__/cluster/x.json',
          body: json({ apiVersion: 'v1', kind: 'Thing', metadata: { name: 'x' } }),
        },
        {
          name: 'resources/constructor/namespaces/' + ns + '/y.json',
          body: json({ apiVersion: 'v1', kind: 'Thing', metadata: { name: 'y', namespace: ns } }),
        },
        {
          name: itemPath('services', ns, 'api'),
          body: json({
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 'api', namespace: ns },
            spec: { clusterIP: '10.96.0.77', ports: [{ port: 80 }] },
          }),
        },
        {
          name: itemPath('secrets', ns, 'creds'),
          body: json({
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'creds', namespace: ns },
            type: 'Opaque',
            data: { ['__proto__']: 'cHJvdG8=', constructor: 'Yw==' },
          }),
        },
      ]),
    message:
      /constructor\/.*\/y: the target cluster does not serve v1 Thing|__proto__\/x: the target cluster does not serve v1 Thing/,
    check: async (ns) => {
      await expectInnocent(ns);
      expect(await get(`/api/v1/namespaces/${ns}/services/api`)).toBeDefined();
      const secret = await get(`/api/v1/namespaces/${ns}/secrets/creds`);
      expect(Object.keys(secret?.['data'] as object).sort()).toEqual(['__proto__', 'constructor']);
      expect(JSON.stringify(secret?.['data'])).toContain('"__proto__":"cHJvdG8="');
    },
  },
];

const ALL: Case[] = [...REFUSED, ...PER_ITEM];

async function runCase(c: Case, index: number): Promise<{ ns: string; restore: string; run: CliResult }> {
  const ns = `hostile-${id}-${index}`;
  const name = `hostile-${id}-${index}`;
  const restore = `r-${name}`;
  const caseDir = await mkdtemp(join(work, 'case-'));
  const tmp = join(caseDir, 'tmp');
  const outside = join(caseDir, 'outside');
  await mkdir(tmp);
  await mkdir(outside);
  const tarball = await c.build(ns, outside);
  if (c.via === 's3') await putS3Backup(name, tarball);
  else await writeBackup(locations.fsRoot, name, tarball);
  const run = await runCli(
    [
      '--log-level',
      'error',
      'restore',
      'create',
      restore,
      '--from-backup',
      name,
      '--kubeconfig',
      standby,
      ...(c.via === 's3' ? ['--storage-location', 's3'] : []),
      ...(c.args?.(ns) ?? []),
    ],
    { env: { ...locations.env, TMPDIR: tmp }, timeoutMs: RUN_TIMEOUT_MS },
  );
  const output = run.stdout + run.stderr;
  if (run.status === null) tally.hangs++;
  if (/this is a bug|RangeError|Maximum call stack|TypeError|heap out of memory/.test(output))
    tally.crashes++;
  expect(run.status, `no hang: ${output}`).not.toBeNull();
  expect(output, 'no crash').not.toMatch(
    /this is a bug|RangeError|Maximum call stack|TypeError|heap out of memory/,
  );
  // Nothing outside the temp dir, and the restore's own temp dir removed.
  const files = await tree(caseDir);
  expect(files.filter((f) => !f.startsWith('tmp/'))).toEqual(['outside', 'tmp']);
  expect(files.filter((f) => f.startsWith('tmp/lifeboat-restore-'))).toEqual([]);
  // The location holds only its own folders (and the filesystem store's temp dir for atomic writes).
  const inLocation = await readdir(locations.fsRoot).catch((): string[] => []);
  expect(inLocation.filter((f) => !['backups', 'restores', '.lifeboat-tmp'].includes(f))).toEqual([]);
  return { ns, restore, run };
}

beforeAll(async () => {
  locations = await createLocations(harness);
  dst = new KubeClient(loadKubeConfig({ kubeconfig: standby }));
  work = await mkdtemp(join(tmpdir(), `lifeboat-hostile-${id}-`));
});

afterAll(async () => {
  for (let i = 0; i < ALL.length + CAPS.length; i++) {
    await dst
      .text({ method: 'DELETE', path: `/api/v1/namespaces/hostile-${id}-${i}` })
      .catch(() => undefined);
  }
  dst.close();
  await locations.cleanup();
  await rm(work, { recursive: true, force: true });
  // The closing figures of the corpus.
  console.info(`hostile archives: ${JSON.stringify(tally)}`);
});

async function expectOutcome(c: Case, index: number): Promise<void> {
  const { ns, restore, run } = await runCase(c, index);
  const output = run.stdout + run.stderr;
  if (c.outcome === 'refused') {
    const created = [...(await labelled(restore)), ...((await get(`/api/v1/namespaces/${ns}`)) ? [ns] : [])];
    tally.wronglyCreated += created.length;
    expect(run.status, output).toBe(1);
    expect(run.stderr).toMatch(c.message!);
    expect(created).toEqual([]);
    tally.refused++;
    return;
  }
  const described = JSON.parse(
    (
      await runCli(
        [
          'restore',
          'describe',
          restore,
          '--details',
          '-o',
          'json',
          ...(c.via === 's3' ? ['--storage-location', 's3'] : []),
        ],
        { env: locations.env },
      )
    ).stdout,
  ) as { results?: { errors?: { namespaces?: Record<string, string[]>; cluster?: string[] } } };
  const errors = [
    ...(described.results?.errors?.cluster ?? []),
    ...Object.values(described.results?.errors?.namespaces ?? {}).flat(),
  ];
  if (c.outcome === 'per-item') {
    expect(run.status, output).toBe(3);
    expect(
      errors.some((e) => c.message!.test(e)),
      JSON.stringify(errors),
    ).toBe(true);
    tally['per-item']++;
  } else {
    expect(run.status, output).toBe(0);
    expect(errors).toEqual([]);
    tally.restored++;
  }
  await c.check?.(ns, restore);
}

describe('hostile archives restored into the standby', () => {
  it.each(REFUSED.map((c, i) => [c.what, c, i] as const))('%s: refused as a whole', async (_w, c, i) =>
    expectOutcome(c, i),
  );
  it.each(PER_ITEM.map((c, i) => [c.what, c, REFUSED.length + i] as const))(
    '%s: an error of that item, the rest restored',
    async (_w, c, i) => expectOutcome(c, i),
  );

  it('an item nested 10,000 levels deep does not stop a restore of another namespace', async () => {
    const index = ALL.length + CAPS.length;
    const other = `hostile-${id}-${index}-other`;
    const c: Case = {
      what: 'deep item in another namespace',
      outcome: 'restored',
      build: (ns) =>
        tarGz([...good(ns), { name: itemPath('configmaps', other, 'deep'), body: deepItem(other) }]),
      args: (ns) => ['--include-namespaces', ns],
      check: async (ns) => {
        await expectInnocent(ns);
        expect(await get(`/api/v1/namespaces/${other}`)).toBeUndefined();
      },
    };
    await expectOutcome(c, index);
  });
});

describe('names that are Object.prototype members restore as names', () => {
  const ns = 'constructor';
  const gone = async () => {
    await dst.text({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
    for (let i = 0; i < 120 && (await get(`/api/v1/namespaces/${ns}`)); i++)
      await new Promise((r) => setTimeout(r, 500));
  };
  beforeAll(gone, 70_000);
  afterAll(gone, 70_000);

  it('a namespace called constructor, a ConfigMap with a __proto__ key, a PVC of StorageClass constructor', async () => {
    const c: Case = {
      what: 'namespace constructor',
      outcome: 'restored',
      build: () =>
        tarGz([
          { name: 'metadata/version', body: '1.1.0\n' },
          {
            name: itemPath('namespaces', undefined, ns),
            body: json({
              apiVersion: 'v1',
              kind: 'Namespace',
              metadata: { name: ns, labels: { constructor: 'yes' } },
            }),
          },
          {
            name: itemPath('configmaps', ns, 'proto'),
            body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"proto","namespace":"${ns}","labels":{"constructor":"x"}},"data":{"__proto__":"{\\"polluted\\":true}","constructor":"c","toString":"t"}}`,
          },
          {
            name: itemPath('persistentvolumeclaims', ns, 'data'),
            body: json({
              apiVersion: 'v1',
              kind: 'PersistentVolumeClaim',
              metadata: { name: 'data', namespace: ns },
              spec: {
                storageClassName: 'constructor',
                accessModes: ['ReadWriteOnce'],
                resources: { requests: { storage: '1Mi' } },
              },
            }),
          },
        ]),
      check: async () => {
        const namespace = await get(`/api/v1/namespaces/${ns}`);
        expect(namespace?.metadata.labels?.['constructor']).toBe('yes');
        const cmap = await get(`/api/v1/namespaces/${ns}/configmaps/proto`);
        expect(JSON.stringify(cmap?.['data'])).toBe(
          '{"__proto__":"{\\"polluted\\":true}","constructor":"c","toString":"t"}',
        );
        expect(cmap?.metadata.labels?.['constructor']).toBe('x');
        const pvc = await get(`/api/v1/namespaces/${ns}/persistentvolumeclaims/data`);
        expect((pvc?.['spec'] as { storageClassName?: string }).storageClassName).toBe('constructor');
      },
    };
    await expectOutcome(c, ALL.length + CAPS.length + 1);
  });
});

describe('dry run of a namespace-filtered restore', () => {
  it('lists every cluster-scoped object it would create, flagged, and creates nothing', async () => {
    const ns = `hostile-${id}-dry`;
    const name = `hostile-${id}-dry`;
    await writeBackup(
      locations.fsRoot,
      name,
      await tarGz([
        ...good(ns),
        {
          name: itemPath('clusterrolebindings.rbac.authorization.k8s.io', undefined, `${ns}-admin`),
          body: crb(`${ns}-admin`),
        },
      ]),
    );
    const base = [
      'restore',
      'create',
      `r-${name}`,
      '--from-backup',
      name,
      '--kubeconfig',
      standby,
      '--dry-run',
      '--include-namespaces',
      ns,
      '--include-cluster-resources=true',
    ];
    const text = await runCli(base, { env: locations.env });
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /WARNING\s+this restore is limited to some namespaces but creates 1 cluster-scoped object/,
    );
    expect(text.stdout).toContain(`CLUSTER-SCOPED clusterrolebindings.rbac.authorization.k8s.io/${ns}-admin`);
    const asJson = await runCli([...base, '-o', 'json', '--details'], { env: locations.env });
    const plan = (
      JSON.parse(asJson.stdout) as {
        plan: {
          findings: { kind: string; objects?: string[] }[];
          steps: { items: { name: string; clusterScoped?: boolean }[] }[];
        };
      }
    ).plan;
    expect(plan.findings.find((f) => f.kind === 'cluster-scoped')?.objects).toEqual([
      `clusterrolebindings.rbac.authorization.k8s.io/${ns}-admin`,
    ]);
    expect(plan.steps.flatMap((s) => s.items).find((i) => i.name === `${ns}-admin`)?.clusterScoped).toBe(
      true,
    );
    expect(await get(`/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${ns}-admin`)).toBeUndefined();
    expect(await get(`/api/v1/namespaces/${ns}`)).toBeUndefined();
  });
});

// The archive reader's caps (duplicates, expansion ratio, entry size) refuse these as a whole.
describe('archive caps', () => {
  it.each(CAPS.map((c, i) => [c.what, c, ALL.length + i] as const))(
    '%s: refused as a whole',
    async (_w, c, i) => expectOutcome(c, i),
  );
});
