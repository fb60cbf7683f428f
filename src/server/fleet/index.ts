// The fleet in the server: each cluster's scheduled work owned by one replica through a Lease, every cluster's backups listed under its prefix, and the fleet's RPO and ownership as the API and metrics show them.
// It must never run a slot of a cluster it does not own, nor write a slot's backup that is already stored.
export { ClusterLeases, defaultReplicaId } from './cluster-leases.ts';
export { FleetRuntime, type FleetOptions, type FleetUnit } from './fleet.ts';
export { type ClusterStatus, fleetStatuses, updateFleetMetrics } from './fleet-status.ts';
export { clusterLeaseName, readClusterOwners, replicaLeaseName } from './leases.ts';
export { type ClusterBackupBody, submitClusterBackup } from './fleet-backup.ts';
export { fleetOwners } from './fleet-owners.ts';
