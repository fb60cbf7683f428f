// The composition root: the Kubernetes client for a target cluster, the stores behind a location, the archive limits a command runs with.
// It must never contain a use case's logic; use cases get their dependencies from here.
export {
  ARCHIVE_LIMIT_FLAGS,
  type ArchiveLimits,
  DEFAULT_ARCHIVE_LIMITS,
  type RaisableLimit,
} from './archive-limits.ts';
export { readClusterUid } from './cluster.ts';
