import { afterEach, describe, expect, it } from 'vitest';
import { checkStandby } from './check/standby.ts';
import { stringMap, type Obj } from './capture/kube-read.ts';
import { groupNodePools, toProfileNode } from './capture/nodes.ts';
import { redactTree } from './capture/redaction.ts';
import { blockedBy } from './check/scheduling.ts';
import { clusterProfileSchema } from './schema.ts';
import { toStorageClass } from './capture/storage.ts';
import { contents, profile, workload } from './testing.ts';

/** Names outside data may use that are also Object.prototype's members. */
const HOSTILE = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
const hostileMap = (): string => JSON.stringify(Object.fromEntries(HOSTILE.map((k) => [k, `v-${k}`])));

afterEach(() => {
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
});

describe('the cluster profile with names like constructor and __proto__', () => {
  it('keeps StorageClass parameters named __proto__ and reads no inherited one', () => {
    const sc: unknown = JSON.parse(
      `{"metadata":{"name":"constructor"},"provisioner":"p","parameters":${hostileMap()}}`,
    );
    const info = toStorageClass(sc as Obj);
    expect(Object.keys(info.parameters)).toEqual(HOSTILE);
    expect(JSON.stringify(info.parameters)).toBe(hostileMap());
    expect(stringMap({})['constructor']).toBeUndefined();
  });

  it('maps no StorageClass named constructor through an inherited mapping', () => {
    const backup = contents(
      (c) => (c.pvcs = [{ namespace: 'shop', name: 'data', storageClass: 'constructor' }]),
    );
    const target = profile((p) =>
      p.storage.storageClasses.push({ ...p.storage.storageClasses[0]!, name: 'constructor' }),
    );
    const findings = checkStandby({
      contents: backup,
      source: profile(),
      target,
      storageClassMappings: {},
      collisions: [],
    });
    expect(findings.filter((f) => f.code.startsWith('STORAGE_CLASS'))).toEqual([]);
  });

  it('groups nodes whose labels are named __proto__ and constructor, keeping those labels', () => {
    const node = (name: string) =>
      toProfileNode(
        JSON.parse(
          `{"metadata":{"name":"${name}","labels":${hostileMap()}},"status":{"capacity":{"cpu":"2","memory":"8Gi"}}}`,
        ) as Obj,
      );
    const [pool] = groupNodePools([node('n1'), node('n2')], new Map());
    expect(Object.keys(pool!.labels)).toEqual(HOSTILE);
    expect(pool!.labels['__proto__']).toBe('v-__proto__');
    const lone = groupNodePools(
      [toProfileNode(JSON.parse('{"metadata":{"name":"x","labels":{}}}') as Obj)],
      new Map(),
    );
    expect(lone[0]!.labels['constructor']).toBeUndefined();
  });

  it('schedules by own labels only: toString DoesNotExist holds, constructor Exists does not', () => {
    const shape = { name: 'pool', labels: JSON.parse('{"a":"b"}') as Record<string, string>, taints: [] };
    const term = (key: string, operator: string) =>
      workload('w', { requiredTerms: [[{ key, operator, values: [] }]] });
    expect(blockedBy(term('toString', 'DoesNotExist'), shape)).toBeUndefined();
    expect(blockedBy(term('constructor', 'Exists'), shape)).toBe('selector');
    expect(blockedBy(workload('w', { nodeSelector: { constructor: 'x' } }), shape)).toBe('selector');
  });

  it('redacts a tree holding __proto__ keys into own keys, without touching any prototype', () => {
    const redacted: string[] = [];
    const out = redactTree(
      JSON.parse('{"__proto__":{"password":"hunter2","polluted":"yes"},"constructor":{"token":"t"}}'),
      redacted,
    ) as Record<string, Record<string, unknown>>;
    expect(Object.keys(out)).toEqual(['__proto__', 'constructor']);
    expect(out['__proto__']!['password']).toBe('[REDACTED]');
    expect(out['polluted']).toBeUndefined();
    expect(JSON.stringify(out)).not.toContain('hunter2');
    expect(redacted).toEqual(['__proto__.password', 'constructor.token']);
  });

  it('reads a stored profile whose maps hold __proto__ keys back with every key', () => {
    const p = profile(
      (x) => (x.storage.storageClasses[0]!.parameters = JSON.parse(hostileMap()) as Record<string, string>),
    );
    const parsed = clusterProfileSchema().parse(JSON.parse(JSON.stringify(p)));
    const params = parsed.storage.storageClasses[0]!.parameters;
    expect(Object.keys(params)).toEqual(HOSTILE);
    expect(Object.getPrototypeOf(params)).toBeNull();
  });
});
