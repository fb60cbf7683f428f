import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeApiError, KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import type { KubeObject } from '../../src/model/kube-object.ts';
import { runCli } from '../helpers/cli.ts';
import { createLocations, type LocationsFixture } from '../helpers/locations.ts';
import {
  itemPath,
  tarGz,
  veleroItems,
  writeBackup,
  type TarEntry,
} from '../fixtures/velero/velero-archive.ts';

const harness = inject('harness');
const standby = harness.clusters['standby']!.kubeconfig;
const id = randomBytes(3).toString('hex');
let locations: LocationsFixture;
let dst: KubeClient;

function lifeboat(...args: string[]) {
  return runCli(['--log-level', 'error', ...args], { env: locations.env });
}

async function get(path: string): Promise<KubeObject | undefined> {
  try {
    return await dst.json<KubeObject>({ path });
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return undefined;
    throw err;
  }
}

beforeAll(async () => {
  locations = await createLocations(harness);
  dst = new KubeClient(loadKubeConfig({ kubeconfig: standby }));
});

afterAll(async () => {
  dst.close();
  await locations.cleanup();
});

describe('a backup written by Velero', () => {
  it('restores: version "1", classic paths only, raw objects, no optional sidecars but a CSI one', async () => {
    const ns = `velero-${id}`;
    const name = `velero-made-${id}`;
    const tarball = await tarGz([{ name: 'metadata/version', body: '1\n' }, ...veleroItems(ns)]);
    await writeBackup(locations.fsRoot, name, tarball, {
      [`${name}-csi-volumesnapshots.json.gz`]: gzipSync('[]\n'),
    });
    const run = await lifeboat(
      'restore',
      'create',
      `r-${name}`,
      '--from-backup',
      name,
      '--kubeconfig',
      standby,
      '--verify',
    );
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(`Restore "r-${name}" verified.`);

    const cm = await get(`/api/v1/namespaces/${ns}/configmaps/legacy-config`);
    expect(cm?.['data']).toEqual({ mode: 'velero' });
    expect(cm?.metadata.uid).not.toBe('uid-ConfigMap-legacy-config');
    expect(cm?.metadata.labels).toMatchObject({
      app: 'legacy',
      'velero.io/backup-name': name,
      'velero.io/restore-name': `r-${name}`,
    });
    const svc = await get(`/api/v1/namespaces/${ns}/services/api`);
    const ports = svc?.['spec'] as { clusterIP: string; ports: { nodePort: number }[] };
    expect(ports.clusterIP).not.toBe('10.96.7.7');
    expect(await get(`/apis/apps/v1/namespaces/${ns}/deployments/api`)).toBeDefined();
    expect(await get(`/api/v1/namespaces/${ns}/pods/finished`)).toBeUndefined();
    expect(await get(`/api/v1/namespaces/${ns}/secrets/builder-token-x7k2p`)).toBeUndefined();
    const sa = await get(`/api/v1/namespaces/${ns}/serviceaccounts/builder`);
    expect(sa?.['secrets']).toBeUndefined();

    const described = JSON.parse(
      (await lifeboat('restore', 'describe', `r-${name}`, '--details', '-o', 'json')).stdout,
    ) as {
      resourceList: Record<string, string[]>;
    };
    expect(described.resourceList['v1/Namespace']).toEqual([`${ns}(created)`]);
    expect(described.resourceList['v1/Pod']).toBeUndefined(); // completed pods are skipped before processing, as Velero does
    expect(described.resourceList['apps/v1/Deployment']).toEqual([`${ns}/api(created)`]);
  });
});

// Per-item problems (malformed JSON, an item that disagrees with its path) are per-item errors of the
// restore: they are in hostile-archives.test.ts.
describe('hostile or broken archives are refused before anything is applied', () => {
  const good = (ns: string): TarEntry[] => [
    { name: 'metadata/version', body: '1.1.0\n' },
    {
      name: itemPath('configmaps', ns, 'innocent'),
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'innocent', namespace: ns },
        data: { a: 'b' },
      }),
    },
  ];
  const cases: [string, (ns: string) => Promise<Buffer>, RegExp][] = [
    [
      'a path with ..',
      async (ns) =>
        tarGz([...good(ns), { name: 'resources/configmaps/namespaces/x/../../../../evil.json', body: '{}' }]),
      /"\.\." path segment/,
    ],
    [
      'an absolute path',
      async (ns) => tarGz([...good(ns), { name: '/etc/evil.json', body: '{}' }]),
      /absolute path/,
    ],
    [
      'a symlink entry',
      async (ns) =>
        tarGz([
          ...good(ns),
          { name: 'resources/configmaps/namespaces/x/link.json', type: 'symlink', linkname: '/etc/passwd' },
        ]),
      /not regular files \(1 symlink/,
    ],
    [
      'a hard link entry',
      async (ns) =>
        tarGz([
          ...good(ns),
          { name: 'resources/configmaps/namespaces/x/hard.json', type: 'link', linkname: 'metadata/version' },
        ]),
      /not regular files/,
    ],
    [
      'corrupt gzip',
      async () => Promise.resolve(Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), randomBytes(300)])),
      /gzip|corrupt|archive/i,
    ],
    [
      'a truncated tarball',
      async (ns) => (await tarGz(good(ns))).subarray(0, 60),
      /truncated|unexpected end|corrupt|archive/i,
    ],
  ];

  it.each(cases)('%s', async (what, build, message) => {
    const ns = `hostile-${id}-${cases.findIndex((c) => c[0] === what)}`;
    const name = `hostile-${id}-${cases.findIndex((c) => c[0] === what)}`;
    await writeBackup(locations.fsRoot, name, await build(ns));
    const run = await lifeboat(
      'restore',
      'create',
      `r-${name}`,
      '--from-backup',
      name,
      '--kubeconfig',
      standby,
    );
    expect(run.status, run.stdout + run.stderr).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(await get(`/api/v1/namespaces/${ns}`)).toBeUndefined();
  });
});
