import { describe, expect, it } from 'vitest';
import type { ItemBytes } from '../archive/index.ts';
import { LifeboatError } from '../errors/index.ts';
import { type ApiResource, splitListBody } from '../kube/index.ts';
import { goMarshal, parseJson } from '../gojson/index.ts';
import { PageCursor } from './page-cursor.ts';

const configMaps = {
  group: '',
  version: 'v1',
  apiVersion: 'v1',
  resource: 'configmaps',
  groupResource: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
} as ApiResource;

const items = [
  '{"metadata":{"name":"plain","namespace":"a","labels":{"app":"x"}},"data":{"k":"v"}}',
  // A float: declined by the planner, stored through parse + goMarshal.
  '{"metadata":{"name":"float","namespace":"a"},"data":{"ratio":0.5},"x":1.0}',
  '{"metadata":{"name":"excluded","namespace":"b","labels":{"velero.io/exclude-from-backup":"true"}}}',
  '{"metadata":{"name":"kept","namespace":"b","labels":{"velero.io/exclude-from-backup":"false"}}}',
  // The label's name elsewhere (an annotation, the data) does not exclude the item.
  '{"metadata":{"name":"annotated","namespace":"b","annotations":{"velero.io/exclude-from-backup":"true"},"labels":{"velero.io/exclude-from-backu":"true"}},"data":{"velero.io/exclude-from-backup":"true"}}',
  '{"metadata":{"name":"last","namespace":"b","labels":{"a":"b","velero.io/exclude-from-backup":"true"}}}',
  '{"metadata":{"name":"going","namespace":"b","deletionTimestamp":"2026-01-01T00:00:00Z"}}',
  '{"metadata":{"name":"esc\\u003caped","namespace":"b"}}',
  '{"metadata":{"name":"cluster-wide"}}',
];

function body(list: string[], metadataFirst = true): Buffer {
  const metadata = '"metadata":{"resourceVersion":"9","continue":"tok"}';
  const parts = ['"kind":"ConfigMapList"', '"apiVersion":"v1"', `"items":[${list.join(',')}]`];
  parts.splice(metadataFirst ? 2 : 3, 0, metadata);
  return Buffer.from(`{${parts.join(',')}}\n`);
}

function written(bytes: ItemBytes): string {
  const target = Buffer.alloc(bytes.size + 2, 0x2a);
  bytes.write(target, 1);
  expect(target[0]).toBe(0x2a);
  expect(target[bytes.size + 1]).toBe(0x2a);
  return target.toString('utf8', 1, bytes.size + 1);
}

function read(buffer: Buffer) {
  const { page, continue: token } = splitListBody(buffer, '/api/v1/configmaps');
  const listed = new PageCursor();
  listed.reset(configMaps, page);
  const out: {
    name: string;
    namespace?: string;
    excluded: boolean;
    deleting: boolean;
    bytes: string;
    mentionsData: boolean;
  }[] = [];
  const data = Buffer.from('"data"');
  while (listed.next()) {
    const bytes = listed.bytes();
    out.push({
      mentionsData: listed.contains(data),
      name: listed.name,
      ...(listed.namespace === undefined ? {} : { namespace: listed.namespace }),
      excluded: listed.excluded,
      deleting: listed.deleting,
      bytes: typeof bytes === 'string' ? bytes : written(bytes),
    });
  }
  return { token, out };
}

describe('PageCursor: items read in place from a list body', () => {
  it('gives each item its identity and the bytes goMarshal would write', () => {
    const { token, out } = read(body(items));
    expect(token).toBe('tok');
    expect(out.map((i) => [i.name, i.namespace, i.excluded, i.deleting])).toEqual([
      ['plain', 'a', false, false],
      ['float', 'a', false, false],
      ['excluded', 'b', true, false],
      ['kept', 'b', false, false],
      ['annotated', 'b', false, false],
      ['last', 'b', true, false],
      ['going', 'b', false, true],
      ['esc<aped', 'b', false, false],
      ['cluster-wide', undefined, false, false],
    ]);
    // contains() looks at the item's own bytes only (the neighbours' do not count).
    expect(out.filter((i) => i.mentionsData).map((i) => i.name)).toEqual(['plain', 'float', 'annotated']);
    for (const [i, text] of items.entries()) {
      const item = parseJson(text) as Record<string, unknown>;
      item['apiVersion'] = 'v1';
      item['kind'] = 'ConfigMap';
      expect(out[i]!.bytes).toBe(goMarshal(item));
    }
    expect(out[1]!.bytes).toMatch(/"x":1}$/); // the exact path: 1.0 is the float64 1
  });

  it('reads a body whose metadata comes after the items, and pages without items', () => {
    expect(read(body(items, false)).token).toBe('tok');
    expect(read(body(items, false)).out).toHaveLength(items.length);
    expect(read(body([])).out).toEqual([]);
    expect(read(Buffer.from('{"kind":"List","metadata":{},"items":null}')).out).toEqual([]);
    expect(
      read(Buffer.from(' { "metadata" : { } , "items" : [ {"metadata": {"name": "spaced"}} ] } ')).out,
    ).toEqual([
      {
        mentionsData: false,
        name: 'spaced',
        excluded: false,
        deleting: false,
        bytes: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"spaced"}}',
      },
    ]);
  });

  it('stores an item nested deeper than the planner can go, through the exact path', () => {
    const depth = 20_000;
    const deep = `{"metadata":{"name":"deep","namespace":"a"},"spec":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    const { page } = splitListBody(body([deep, items[0]!]), '/api/v1/configmaps');
    const listed = new PageCursor();
    listed.reset(configMaps, page);
    expect(listed.next()).toBe(true);
    expect([listed.namespace, listed.name]).toEqual(['a', 'deep']);
    const bytes = listed.bytes();
    expect(typeof bytes).toBe('string'); // the planner declined it
    expect(bytes).toBe(
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep","namespace":"a"},"spec":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`,
    );
    expect(listed.next()).toBe(true);
    expect(listed.name).toBe('plain');
    expect(listed.next()).toBe(false);
  });

  it('refuses a body that is not a JSON list, naming the list', () => {
    for (const bad of [
      '',
      'not json',
      '{"items":[{"metadata":{"name":"a"}}',
      '{"metadata":{"continue":}, "items":[]}',
      '[]',
    ]) {
      const attempt = () => read(Buffer.from(bad));
      expect(attempt, bad).toThrow(LifeboatError);
      expect(attempt, bad).toThrow(/not valid JSON for \/api\/v1\/configmaps/);
    }
  });

  it('parses the object only when asked, with apiVersion and kind set', () => {
    const { page } = splitListBody(body(items), '/api/v1/configmaps');
    const listed = new PageCursor();
    listed.reset(configMaps, page);
    expect(listed.next()).toBe(true);
    expect(listed.object()).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'plain', namespace: 'a', labels: { app: 'x' } },
      data: { k: 'v' },
    });
  });
});
