import { afterEach, describe, expect, it } from 'vitest';
import type { ApiResource } from '../kube/index.ts';
import { servedResource } from '../kube/testing.ts';
import type { KubeObject } from '../model/index.ts';
import {
  cloneJson,
  differences,
  mergePatchTowards,
  namespaceFromBackup,
  prepareItem,
  RestoreResults,
} from './apply/index.ts';
import { buildRestorePlan, type ItemFacts, type NameFilter, resolvePriorityName } from './plan/index.ts';
import { namespaceMessage } from '../results/index.ts';
import { prepareContext } from './testing.ts';

/** Names Kubernetes allows and JavaScript objects answer for: every map keyed by them must not. */
const HOSTILE = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'];

const PROTO_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();
afterEach(() => {
  // Nothing may have been written into Object.prototype by any test here.
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTO_KEYS);
});

const context = prepareContext;

function res(groupResource: string, kind: string, namespaced = true): ApiResource {
  const dot = groupResource.indexOf('.');
  const [resource, group] =
    dot === -1 ? [groupResource, ''] : [groupResource.slice(0, dot), groupResource.slice(dot + 1)];
  return servedResource(group, resource, kind, namespaced, { singular: resource, verbs: ['create', 'list'] });
}

const SERVED = [
  res('namespaces', 'Namespace', false),
  res('pods', 'Pod'),
  res('configmaps', 'ConfigMap'),
  res('services', 'Service'),
  res('persistentvolumeclaims', 'PersistentVolumeClaim'),
];

const ALL: NameFilter = { shouldInclude: () => true, includesEverything: () => true };

function fact(groupResource: string, kind: string, namespace: string | undefined, name: string): ItemFacts {
  const f: ItemFacts = {
    groupResource,
    name,
    path: `resources/${groupResource}/${namespace === undefined ? 'cluster' : `namespaces/${namespace}`}/${name}.json`,
    apiVersion: 'v1',
    kind,
    labels: {},
    additionalItems: [],
    restoreStatus: false,
  };
  if (namespace !== undefined) f.namespace = namespace;
  return f;
}

function plan(facts: ItemFacts[]) {
  const byResource = new Map<string, ItemFacts[]>();
  for (const f of facts) byResource.set(f.groupResource, [...(byResource.get(f.groupResource) ?? []), f]);
  return buildRestorePlan({
    facts: byResource,
    request: {
      namespaces: ALL,
      resources: ALL,
      namespaceMapping: new Map(),
      existingResourcePolicy: 'none',
    },
    target: { served: SERVED },
  });
}

describe('restore plan: resource and namespace names that are Object.prototype members', () => {
  it.each(HOSTILE)('a resource directory %s leaves Object.prototype alone and pods still restore', (name) => {
    const p = plan([fact(name, 'Thing', undefined, 'x'), fact('pods', 'Pod', 'app', 'web')]);
    const hostile = p.steps.find((s) => s.groupResource === name)?.items[0];
    expect(hostile?.action).toBe('skip');
    expect(Object.hasOwn(p.byResource, name)).toBe(true);
    expect(p.byResource[name]?.skip).toBe(1);
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'app' },
      spec: {},
    };
    expect(prepareItem(pod, 'pods', 'app', context()).skip).toBeUndefined();
  });

  it.each(HOSTILE)('items of a namespace called %s are restored into it', (ns) => {
    const p = plan([
      fact('configmaps', 'ConfigMap', ns, 'c'),
      fact('namespaces', 'Namespace', undefined, ns),
    ]);
    const item = p.steps.find((s) => s.groupResource === 'configmaps')?.items[0];
    expect(item).toMatchObject({ action: 'create', namespace: ns, targetNamespace: ns });
    expect(p.namespaces.map((n) => n.name)).toEqual([ns]);
    expect(Object.hasOwn(p.byNamespace, ns)).toBe(true);
    expect(p.byNamespace[ns]?.create).toBe(1);
  });
});

describe('prepareItem: hostile names and keys', () => {
  it.each(HOSTILE)('a PVC of StorageClass %s keeps its class (no mapping given)', (sc) => {
    const pvc: KubeObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: 'data',
        namespace: 'app',
        annotations: { 'volume.beta.kubernetes.io/storage-class': sc },
      },
      spec: { storageClassName: sc },
    };
    const p = prepareItem(pvc, 'persistentvolumeclaims', 'app', context());
    expect(JSON.parse(JSON.stringify(p.object.spec))).toEqual({ storageClassName: sc });
    expect(p.object.metadata.annotations?.['volume.beta.kubernetes.io/storage-class']).toBe(sc);
  });

  it('maps a StorageClass only by an own entry of the mapping', () => {
    const pvc: KubeObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'app' },
      spec: { storageClassName: 'constructor' },
    };
    const p = prepareItem(
      pvc,
      'persistentvolumeclaims',
      'app',
      context({ storageClassMapping: new Map([['constructor', 'fast']]) }),
    );
    expect(p.object['spec']).toEqual({ storageClassName: 'fast' });
  });

  it('keeps __proto__ and constructor data keys, labels and annotations byte for byte', () => {
    const text =
      '{"apiVersion":"v1","data":{"__proto__":"{\\"polluted\\":1}","constructor":"c","a":"b"},"kind":"ConfigMap",' +
      '"metadata":{"annotations":{"__proto__":"an"},"labels":{"__proto__":"x","constructor":"y"},"name":"cm","namespace":"app"}}';
    const item = JSON.parse(text) as KubeObject;
    const p = prepareItem(item, 'configmaps', 'app', context());
    const out = JSON.parse(JSON.stringify(p.object)) as KubeObject;
    expect(Object.keys(out['data'] as object)).toEqual(['__proto__', 'constructor', 'a']);
    expect(JSON.stringify(out['data'])).toBe(JSON.stringify((JSON.parse(text) as KubeObject)['data']));
    expect(Object.keys(out.metadata.labels ?? {})).toEqual([
      '__proto__',
      'constructor',
      'velero.io/backup-name',
      'velero.io/restore-name',
    ]);
    expect(Object.hasOwn(out.metadata.annotations ?? {}, '__proto__')).toBe(true);
  });

  it('cloneJson keeps a __proto__ key holding an object as data, not as a prototype', () => {
    const value = JSON.parse('{"__proto__":{"isAdmin":true},"a":1}') as Record<string, unknown>;
    const copy = cloneJson(value);
    expect(Object.getPrototypeOf(copy)).toBeNull();
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect(Object.keys(copy)).toEqual(['__proto__', 'a']);
    expect((copy as { isAdmin?: boolean }).isAdmin).toBeUndefined();
    expect(JSON.stringify(copy)).toBe('{"__proto__":{"isAdmin":true},"a":1}');
  });

  it('the namespace object keeps __proto__ labels', () => {
    const ns = JSON.parse(
      '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"n","labels":{"__proto__":"v"}}}',
    ) as KubeObject;
    expect(JSON.stringify(namespaceFromBackup('n', ns).metadata.labels)).toBe('{"__proto__":"v"}');
  });
});

describe('priorities: names that are Object.prototype members', () => {
  it('resolves them verbatim, not through Object.prototype', () => {
    expect(resolvePriorityName('constructor', [])).toBe('constructor');
    expect(resolvePriorityName('toString', [])).toBe('toString');
    expect(resolvePriorityName('storageclasses', [])).toBe('storageclasses.storage.k8s.io');
  });
});

describe('compare: __proto__ keys', () => {
  const desired = JSON.parse(
    '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"__proto__":"x"}}',
  ) as KubeObject;
  it('a cluster object without the key differs, and the patch sets it', () => {
    const inCluster = JSON.parse(
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{}}',
    ) as KubeObject;
    expect(differences(desired, inCluster)).toEqual(['.data.__proto__: differs']);
    expect(JSON.stringify(mergePatchTowards(desired, inCluster))).toBe('{"data":{"__proto__":"x"}}');
  });
  it('a cluster object with the same key is the same', () => {
    expect(differences(desired, cloneJson(desired))).toEqual([]);
  });
});

describe('restore results: namespaces named like Object.prototype members', () => {
  it.each(HOSTILE)('errors and warnings under namespace %s are kept', (ns) => {
    const r = new RestoreResults();
    r.error(namespaceMessage(ns, 'e1'));
    r.warning(namespaceMessage(ns, 'w1'));
    r.record('v1', 'ConfigMap', ns, 'c', 'failed');
    expect(r.errorCount).toBe(1);
    const file = JSON.parse(JSON.stringify(r.toFile())) as {
      errors: { namespaces: Record<string, string[]> };
    };
    expect(Object.hasOwn(file.errors.namespaces, ns)).toBe(true);
    expect(file.errors.namespaces[ns]).toEqual(['e1']);
  });
});
