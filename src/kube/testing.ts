import type { ApiResource } from './discovery.ts';

/** A served resource as discovery reports it, for tests: version v1, the usual verbs. */
export function servedResource(
  group: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  extra: Partial<ApiResource> = {},
): ApiResource {
  return {
    group,
    version: 'v1',
    versions: ['v1'],
    resource,
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    verbs: ['create', 'delete', 'get', 'list', 'watch'],
    shortNames: [],
    groupResource: group === '' ? resource : `${resource}.${group}`,
    apiVersion: group === '' ? 'v1' : `${group}/v1`,
    ...extra,
  };
}
