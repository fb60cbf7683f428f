// Kubernetes access, one way: the kubeconfig, the HTTP client, discovery, and the dynamic layer (paged list, get-or-undefined, create, patch).
// It must never know what a backup or a restore is.
export { KubeApiError, KubeClient, type RequestSpec } from './client.ts';
export { execInPod, type ExecOptions, type ExecResult, type ExecTarget } from './pod-exec.ts';
export {
  type ApiResource,
  type DiscoveredResources,
  discoverResources,
  discoverResourcesClassic,
  resolveResourceName,
  serverVersion,
  type ServerVersion,
} from './discovery.ts';
export {
  getObject,
  getOrUndefined,
  listJsonPages,
  listPages,
  type OpenList,
  openRawList,
} from './dynamic.ts';
export { type KubeTarget, loadKubeConfig } from './kubeconfig.ts';
export { ListBodyError, type RawPage, splitListBody } from './list-body.ts';
export { objectPath } from './paths.ts';
export {
  type Lease,
  LeaseClient,
  type LeaseClientOptions,
  leaseHolder,
  leasePath,
  LeaseSchema,
  type LeaseSpec,
  leaseState,
  type LeaseWrite,
  microTime,
  takeOverSpec,
} from './lease.ts';
