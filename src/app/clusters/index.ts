// Use case: the fleet — clusters in the config file, clusters discovered in a management cluster (Cluster API objects, labelled kubeconfig Secrets), merged by identity and refreshed.
// It must never write a discovered kubeconfig to disk, log it or quote it in a message, nor let one unreachable cluster fail the fleet.
export {
  addCluster,
  type AddClusterRequest,
  type ClusterView,
  describeCluster,
  getClusters,
  removeCluster,
  resolveClusterTarget,
} from './cluster-admin.ts';
export {
  type Discovered,
  discoverClusters,
  PREFIX_ANNOTATION,
  STANDBY_SECRET_ANNOTATION,
} from './discover.ts';
export {
  type ClusterCandidate,
  type ClusterProbe,
  type ClusterRole,
  type ClusterSource,
  diffFleet,
  type FleetChanges,
  type FleetCluster,
  mergeFleet,
  type Unreachable,
} from './fleet-model.ts';
export { classifyUnreachable, probeCluster, PROBE_TIMEOUT_MS } from './probe.ts';
export { clusterRole, managementClusterName } from './role.ts';
export {
  clusterLocation,
  type ClusterRef,
  clusterRefName,
  type ClusterScope,
  resolveClusterScope,
  scopeOf,
} from './cluster-scope.ts';
export { ClusterRegistry, configuredCandidates, type FleetConfig, type FleetRefresh } from './registry.ts';
export { type RecoveryCluster, recoveryCluster, recoveryClusters } from './standby.ts';
