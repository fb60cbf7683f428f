import { describe, expect, it } from 'vitest';
import { resourceFilters } from './resource-filters.ts';

describe('resourceFilters', () => {
  it('makes absent lists empty and keeps what is given', () => {
    expect(resourceFilters({})).toEqual({
      includedNamespaces: [],
      excludedNamespaces: [],
      includedResources: [],
      excludedResources: [],
      labelSelector: undefined,
      includeClusterResources: undefined,
    });
    const given = {
      includedNamespaces: ['app-*'],
      excludedResources: ['secrets'],
      labelSelector: 'tier=web',
      includeClusterResources: false,
    };
    expect(resourceFilters(given)).toEqual({ ...resourceFilters({}), ...given });
  });
});
