import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import { addResourceFilterOptions, type ResourceFilterFlags, resourceFilters } from './resource-filters.ts';

const parsed = (args: string[]): ResourceFilterFlags => {
  const command = addResourceFilterOptions(
    new Command('create').exitOverride().configureOutput({ writeErr: () => undefined }),
    'backup',
  );
  return command.parse(args, { from: 'user' }).opts<ResourceFilterFlags>();
};

describe('the resource filter flags', () => {
  it('read into the request’s filters: lists trimmed, the selector as given, cluster resources auto', () => {
    expect(
      resourceFilters(
        parsed(['--include-namespaces', 'app, db-*', '--exclude-resources', 'secrets', '-l', 'tier=web']),
      ),
    ).toEqual({
      includedNamespaces: ['app', 'db-*'],
      excludedNamespaces: [],
      includedResources: [],
      excludedResources: ['secrets'],
      labelSelector: 'tier=web',
      includeClusterResources: undefined,
    });
    expect(resourceFilters(parsed(['--include-cluster-resources', 'false'])).includeClusterResources).toBe(
      false,
    );
  });

  it('refuse a cluster-resources mode other than true, false or auto', () => {
    expect(() => parsed(['--include-cluster-resources', 'maybe'])).toThrow(/Allowed choices/);
    expect(() => resourceFilters({ includeClusterResources: 'maybe' })).toThrow(LifeboatError);
  });

  it('say what a restore does with them', () => {
    const command = addResourceFilterOptions(new Command('create'), 'restore');
    expect(command.helpInformation()).toContain('namespaces not to restore, globs allowed');
  });
});
