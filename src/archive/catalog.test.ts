import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import { RawNumber } from '../gojson/index.ts';
import { ArchiveCatalog, parseItem } from './catalog.ts';
import { parseArchivePath } from './paths.ts';

function catalogOf(paths: string[]): ArchiveCatalog {
  const catalog = new ArchiveCatalog();
  for (const path of paths) catalog.add({ path, parsed: parseArchivePath(path) });
  return catalog;
}

describe('ArchiveCatalog', () => {
  const catalog = catalogOf([
    'metadata/version',
    'resources/pods/namespaces/b/web.json',
    'resources/pods/v1-preferredversion/namespaces/b/web.json',
    'resources/pods/namespaces/a/web.json',
    'resources/pods/namespaces/a/web-1.json',
    'resources/pods/namespaces/a/web-1.json',
    'resources/persistentvolumes/cluster/pv-1.json',
    'resources/persistentvolumes/v1-preferredversion/cluster/pv-1.json',
    'resources/rockbands.music.example.io/v2beta1/namespaces/rock/beatles.json',
    'resources/deployments.apps/namespaces/a/web.json',
    'resources/pods/namespaces/a/notes.txt',
  ]);

  it('counts distinct items at classic paths only', () => {
    expect(catalog.count()).toBe(5);
  });

  it('lists resources (incl. ones only in version dirs) and namespaces with items, sorted', () => {
    expect(catalog.resources()).toEqual([
      'deployments.apps',
      'persistentvolumes',
      'pods',
      'rockbands.music.example.io',
    ]);
    expect(catalog.namespaces()).toEqual(['a', 'b']);
    expect(catalog.versionDirs('pods')).toEqual(['v1-preferredversion']);
    expect(catalog.versionDirs('rockbands.music.example.io')).toEqual(['v2beta1']);
    expect(catalog.items('rockbands.music.example.io')).toEqual([]);
  });

  it('lists items by namespace, names ordered by file name as Velero reads the directory ("web-1.json" < "web.json")', () => {
    expect(catalog.items('pods')).toEqual([
      {
        groupResource: 'pods',
        namespace: 'a',
        name: 'web-1',
        path: 'resources/pods/namespaces/a/web-1.json',
      },
      { groupResource: 'pods', namespace: 'a', name: 'web', path: 'resources/pods/namespaces/a/web.json' },
      { groupResource: 'pods', namespace: 'b', name: 'web', path: 'resources/pods/namespaces/b/web.json' },
    ]);
    expect(catalog.items('persistentvolumes')).toEqual([
      {
        groupResource: 'persistentvolumes',
        name: 'pv-1',
        path: 'resources/persistentvolumes/cluster/pv-1.json',
      },
    ]);
    expect(catalog.items('nothing')).toEqual([]);
  });
});

describe('parseItem', () => {
  it('returns the object with int64 values kept exact', () => {
    const item = parseItem(
      Buffer.from(
        '{"apiVersion":"example.com/v1","kind":"Big","metadata":{"name":"b"},"spec":{"n":9223372036854775807}}',
      ),
      'resources/bigs.example.com/cluster/b.json',
    );
    expect(item.kind).toBe('Big');
    expect((item.spec as { n: unknown }).n).toEqual(new RawNumber('9223372036854775807'));
  });

  it.each([
    ['not json', /is not valid JSON/],
    ['[1]', /is not a JSON object/],
    ['{"apiVersion":"v1","metadata":{"name":"x"}}', /has no 'kind'/],
    ['{"kind":"Pod","apiVersion":"","metadata":{"name":"x"}}', /has no 'apiVersion'/],
    ['{"kind":"Pod","apiVersion":"v1","metadata":{}}', /has no 'metadata.name'/],
    ['{"kind":"Pod","apiVersion":"v1"}', /has no 'metadata.name'/],
    ['{"kind":"Pod","apiVersion":"v1","metadata":{"name":"x","namespace":3}}', /metadata.namespace/],
  ])('rejects %s with CORRUPT naming the path', (text, message) => {
    let caught: unknown;
    try {
      parseItem(Buffer.from(text), 'resources/pods/namespaces/a/x.json');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(LifeboatError);
    expect((caught as LifeboatError).code).toBe('CORRUPT');
    expect((caught as LifeboatError).message).toMatch(message);
    expect((caught as LifeboatError).message).toContain('"resources/pods/namespaces/a/x.json"');
  });
});
