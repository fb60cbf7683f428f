import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubeClient } from '../../src/kube/client.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import { runCli } from '../helpers/cli.ts';
import { seedEstate, type Estate } from '../helpers/estate.ts';
import { createLocations, type LocationsFixture } from '../helpers/locations.ts';
import { WIDGET_CRD } from '../helpers/workload.ts';

/**
 * Filters select exactly Velero's set (spec/velero-format.md §4): namespace globs, label selectors,
 * resource filters, and the cluster-scoped rules (auto = only what actions pull in unless the
 * backup covers every namespace).
 */
const harness = inject('harness');
const source = harness.clusters['source']!.kubeconfig;
let e: Estate;
let locations: LocationsFixture;
const suffix = randomBytes(3).toString('hex');

async function backupItems(name: string, ...flags: string[]): Promise<Record<string, string[]>> {
  const created = await runCli(
    ['--log-level', 'error', 'backup', 'create', name, '--kubeconfig', source, ...flags],
    { env: locations.env },
  );
  expect(created.status, created.stderr).toBe(0);
  const described = await runCli(['backup', 'describe', name, '--details', '-o', 'json'], {
    env: locations.env,
  });
  return (JSON.parse(described.stdout) as { resourceList: Record<string, string[]> }).resourceList;
}

/** Entries of the list that belong to this test's estate (the shared cluster holds others). */
function ours(list: Record<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, entries] of Object.entries(list)) {
    const mine = entries.filter((x) => x.startsWith(e.prefix) || x === WIDGET_CRD);
    if (mine.length > 0) out[key] = mine;
  }
  return out;
}

beforeAll(async () => {
  const client = new KubeClient(loadKubeConfig({ kubeconfig: source }));
  e = await seedEstate(client, `flt-${suffix}`);
  client.close();
  locations = await createLocations(harness);
});
afterAll(async () => locations.cleanup());

describe('backup filters', () => {
  it('one namespace: its items, plus only the cluster objects its items pull in', async () => {
    const list = ours(await backupItems(`ns-${suffix}`, '--include-namespaces', e.app));
    // Controllers add Events, Endpoints and EndpointSlices in their own time: present or not, they are namespaced.
    const volatile = [
      'v1/Event',
      'v1/Endpoints',
      'discovery.k8s.io/v1/EndpointSlice',
      'events.k8s.io/v1/Event',
    ];
    expect(
      Object.keys(list)
        .filter((k) => !volatile.includes(k))
        .sort(),
    ).toEqual(
      [
        'apiextensions.k8s.io/v1/CustomResourceDefinition',
        'apps/v1/Deployment',
        'apps/v1/ReplicaSet',
        'bench.lifeboat.io/v1/Widget',
        'rbac.authorization.k8s.io/v1/ClusterRole',
        'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
        'rbac.authorization.k8s.io/v1/Role',
        'rbac.authorization.k8s.io/v1/RoleBinding',
        'scheduling.k8s.io/v1/PriorityClass',
        'v1/ConfigMap',
        'v1/Namespace',
        'v1/PersistentVolume',
        'v1/PersistentVolumeClaim',
        'v1/Pod',
        'v1/Secret',
        'v1/Service',
        'v1/ServiceAccount',
      ].sort(),
    );
    expect(list['v1/Namespace']).toEqual([e.app]);
    expect(list['v1/PersistentVolume']).toEqual([e.pv]); // PVC → PV
    expect(list['scheduling.k8s.io/v1/PriorityClass']).toEqual([e.priorityClass]); // Pod → PriorityClass
    expect(list['rbac.authorization.k8s.io/v1/ClusterRoleBinding']).toEqual([e.clusterRole]); // SA → CRB
    expect(list['rbac.authorization.k8s.io/v1/ClusterRole']).toEqual([e.clusterRole]); // CRB → ClusterRole
    expect(list['v1/Pod']).toHaveLength(3);
    expect(list['v1/ConfigMap']).not.toContain(`${e.data}/warehouse`);
    expect(list['storage.k8s.io/v1/StorageClass']).toBeUndefined(); // auto: not a whole-cluster backup
  });

  it('globs and excludes: flt-*-app and flt-*-data minus the data namespace', async () => {
    const list = ours(
      await backupItems(
        `glob-${suffix}`,
        '--include-namespaces',
        `${e.prefix}-*`,
        '--exclude-namespaces',
        `${e.prefix}-d*`,
      ),
    );
    expect(list['v1/Namespace']).toEqual([e.app]);
    expect(list['v1/ConfigMap']?.some((x) => x.startsWith(`${e.data}/`))).toBe(false);
  });

  it('label selector: matching items, the namespaces that hold them, and what actions pull in', async () => {
    const list = ours(
      await backupItems(`sel-${suffix}`, '--include-namespaces', `${e.prefix}-*`, '-l', 'tier=web'),
    );
    expect(list['v1/ConfigMap']).toEqual([`${e.app}/web-settings`]);
    expect(list['v1/Service']).toEqual([`${e.app}/web`]);
    expect(list['apps/v1/Deployment']).toEqual([`${e.app}/web`]);
    expect(list['bench.lifeboat.io/v1/Widget']).toEqual([`${e.app}/blue`, `${e.app}/green`]);
    expect(list['v1/Pod']).toHaveLength(2); // the Deployment's pods carry tier=web; the worker does not
    expect(list['v1/Secret']).toBeUndefined();
    expect(list['v1/PersistentVolumeClaim']).toBeUndefined();
    expect(list['v1/Namespace']).toEqual([e.app]); // data has no tier=web item and no such label
    expect(list['rbac.authorization.k8s.io/v1/RoleBinding']).toEqual([`${e.app}/web-config`]); // SA web → RoleBinding
    expect(list['apiextensions.k8s.io/v1/CustomResourceDefinition']).toEqual([WIDGET_CRD]);
  });

  it('resource filter: only the named types (namespaces themselves are a type too)', async () => {
    const list = ours(
      await backupItems(
        `res-${suffix}`,
        '--include-namespaces',
        `${e.prefix}-*`,
        '--include-resources',
        'configmaps,deploy',
      ),
    );
    expect(Object.keys(list).sort()).toEqual(['apps/v1/Deployment', 'v1/ConfigMap']);
  });

  it('excluded resource types stay out even when an action would pull them in', async () => {
    const list = ours(
      await backupItems(
        `exc-${suffix}`,
        '--include-namespaces',
        e.app,
        '--exclude-resources',
        'persistentvolumes,clusterrolebindings.rbac.authorization.k8s.io',
      ),
    );
    expect(list['v1/PersistentVolume']).toBeUndefined();
    expect(list['rbac.authorization.k8s.io/v1/ClusterRoleBinding']).toBeUndefined();
    expect(list['v1/PersistentVolumeClaim']).toEqual([`${e.app}/data`]);
  });

  it('--include-cluster-resources=true adds every cluster-scoped type; false keeps all of them out', async () => {
    const all = ours(
      await backupItems(
        `cr-true-${suffix}`,
        '--include-namespaces',
        e.app,
        '--include-cluster-resources',
        'true',
      ),
    );
    expect(all['storage.k8s.io/v1/StorageClass']).toEqual([e.storageClass]);
    const none = ours(
      await backupItems(
        `cr-false-${suffix}`,
        '--include-namespaces',
        e.app,
        '--include-cluster-resources',
        'false',
      ),
    );
    expect(none['v1/PersistentVolume']).toBeUndefined();
    expect(none['scheduling.k8s.io/v1/PriorityClass']).toBeUndefined();
    expect(none['apiextensions.k8s.io/v1/CustomResourceDefinition']).toBeUndefined();
    expect(none['v1/Namespace']).toEqual([e.app]);
  });

  it('a whole-cluster backup (auto) includes cluster-scoped types', async () => {
    const list = ours(await backupItems(`all-${suffix}`));
    expect(list['storage.k8s.io/v1/StorageClass']).toEqual([e.storageClass]);
    expect(list['v1/Namespace']).toEqual([e.app, e.data]);
  });

  it('an unknown resource name is a usage error (exit 2) with a hint', async () => {
    const run = await runCli(
      ['backup', 'create', `bad-${suffix}`, '--kubeconfig', source, '--include-resources', 'gizmos'],
      { env: locations.env },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("serves no resource named 'gizmos'");
    expect(run.stderr).toContain('hint:');
  });
});
