import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import { groupResourceString, itemPaths, parseArchivePath, resourceListKey } from './paths.ts';

describe('groupResourceString (schema.GroupResource.String)', () => {
  it('is the bare resource for the core group and resource.group otherwise', () => {
    expect(groupResourceString('', 'pods')).toBe('pods');
    expect(groupResourceString('apps', 'deployments')).toBe('deployments.apps');
    expect(groupResourceString('apiextensions.k8s.io', 'customresourcedefinitions')).toBe(
      'customresourcedefinitions.apiextensions.k8s.io',
    );
  });
});

describe('resourceListKey (<groupVersion>/<Kind>)', () => {
  it('joins apiVersion and kind', () => {
    expect(resourceListKey('v1', 'Pod')).toBe('v1/Pod');
    expect(resourceListKey('apps/v1', 'Deployment')).toBe('apps/v1/Deployment');
  });
});

describe('itemPaths (item_backupper.go getFileForArchive)', () => {
  it('writes classic + preferred-version twin for a namespaced item in the preferred version', () => {
    expect(
      itemPaths({
        groupResource: 'pods',
        namespace: 'app',
        name: 'web-0',
        version: 'v1',
        preferredVersion: 'v1',
      }),
    ).toEqual([
      'resources/pods/namespaces/app/web-0.json',
      'resources/pods/v1-preferredversion/namespaces/app/web-0.json',
    ]);
  });

  it('uses cluster/ for cluster-scoped items and keeps colons in names verbatim', () => {
    expect(
      itemPaths({
        groupResource: 'clusterroles.rbac.authorization.k8s.io',
        name: 'system:controller:job-controller',
        version: 'v1',
        preferredVersion: 'v1',
      }),
    ).toEqual([
      'resources/clusterroles.rbac.authorization.k8s.io/cluster/system:controller:job-controller.json',
      'resources/clusterroles.rbac.authorization.k8s.io/v1-preferredversion/cluster/system:controller:job-controller.json',
    ]);
  });

  it('writes only the version directory for a non-preferred version', () => {
    expect(
      itemPaths({
        groupResource: 'rockbands.music.example.io',
        namespace: 'rock',
        name: 'beatles',
        version: 'v2beta1',
        preferredVersion: 'v1',
      }),
    ).toEqual(['resources/rockbands.music.example.io/v2beta1/namespaces/rock/beatles.json']);
  });

  it('treats an empty namespace as cluster scope', () => {
    expect(
      itemPaths({
        groupResource: 'namespaces',
        namespace: '',
        name: 'app',
        version: 'v1',
        preferredVersion: 'v1',
      })[0],
    ).toBe('resources/namespaces/cluster/app.json');
  });

  it.each(['', '..', 'a/b', 'x\0y'])('refuses the name %j that would escape its directory', (name) => {
    expect(() =>
      itemPaths({ groupResource: 'pods', namespace: 'a', name, version: 'v1', preferredVersion: 'v1' }),
    ).toThrow(LifeboatError);
  });
});

describe('parseArchivePath (parser.go layout)', () => {
  it('recognises metadata/version', () => {
    expect(parseArchivePath('metadata/version')).toEqual({ kind: 'version' });
  });

  it('parses classic namespaced and cluster paths', () => {
    expect(parseArchivePath('resources/deployments.apps/namespaces/app/web.json')).toEqual({
      kind: 'item',
      groupResource: 'deployments.apps',
      namespace: 'app',
      name: 'web',
    });
    expect(parseArchivePath('resources/namespaces/cluster/app.json')).toEqual({
      kind: 'item',
      groupResource: 'namespaces',
      name: 'app',
    });
  });

  it('parses version directories, and a namespace called "cluster" as a classic path', () => {
    expect(parseArchivePath('resources/pods/v1-preferredversion/namespaces/app/web-0.json')).toEqual({
      kind: 'item',
      groupResource: 'pods',
      versionDir: 'v1-preferredversion',
      namespace: 'app',
      name: 'web-0',
    });
    expect(parseArchivePath('resources/pods/v1beta1/cluster/x.json')).toEqual({
      kind: 'item',
      groupResource: 'pods',
      versionDir: 'v1beta1',
      name: 'x',
    });
    expect(parseArchivePath('resources/pods/namespaces/cluster/x.json')).toEqual({
      kind: 'item',
      groupResource: 'pods',
      namespace: 'cluster',
      name: 'x',
    });
  });

  it('round-trips every path itemPaths produces', () => {
    for (const path of itemPaths({
      groupResource: 'clusterroles.rbac.authorization.k8s.io',
      name: 'system:aggregate-to-edit',
      version: 'v1',
      preferredVersion: 'v1',
    })) {
      expect(parseArchivePath(path)).toMatchObject({ kind: 'item', name: 'system:aggregate-to-edit' });
    }
  });

  it.each([
    'resources/pods/namespaces/app/web-0.yaml',
    'resources/pods/namespaces/app/.json',
    'resources/pods/namespaces/app',
    'resources/pods/cluster/a/b.json',
    'resources//cluster/x.json',
    'resources/pods/v1/namespaces/app/x/y.json',
    'other/pods/cluster/x.json',
    'metadata/version2',
  ])('classifies %s as other', (path) => {
    expect(parseArchivePath(path)).toEqual({ kind: 'other' });
  });
});
