// The composition root: turns a request's config into the dependencies a use case runs with — the Kubernetes client of a target cluster (and its identity), the opened stores of a storage location, the archive limits a command reads under.
// It must never contain a use case's logic; use cases get their dependencies from here.
export {
  ARCHIVE_LIMIT_FLAGS,
  type ArchiveLimits,
  DEFAULT_ARCHIVE_LIMITS,
  type RaisableLimit,
} from './archive-limits.ts';
export { clusterUid, connectCluster, type ConnectedCluster, readClusterUid } from './cluster.ts';
export {
  type LocationQuery,
  type LocationRequest,
  type OpenedLocation,
  openLocation,
  openStores,
  requestedLocation,
  withLocation,
} from './locations-open.ts';
export type { KubeTarget } from '../../kube/index.ts';
