import type { ApiResource } from '../../kube/index.ts';
import { IncludesExcludes } from '../../selection/index.ts';
import { mappingOf } from '../own.ts';
import { resolveResources } from '../plan/index.ts';
import type { PrepareContext } from './prepare.ts';
import type { VolumeEvidence } from './volumes.ts';

/** What a restore asks of the preparation of each item (the fields of app/restore's spec record it uses). */
export interface PrepareSpec {
  backupName: string;
  namespaceMapping: Record<string, string>;
  storageClassMapping: Record<string, string>;
  preserveNodePorts: boolean;
  restoreStatus: string[];
}

/**
 * How every item of this restore is prepared: the mappings, the PVs left to provisioning, the
 * service accounts the backup holds, and which resources get their status back (--restore-status).
 */
export function prepareContext(
  spec: PrepareSpec,
  restoreName: string,
  served: readonly ApiResource[],
  inBackup: readonly string[],
  extras: {
    volumes: VolumeEvidence;
    pvsToProvision: ReadonlySet<string>;
    serviceAccounts: ReadonlyMap<string, ReadonlySet<string>>;
    podVolumeRestore?: PrepareContext['podVolumeRestore'];
  },
): PrepareContext {
  const statusResources = new Set(resolveResources(spec.restoreStatus, served, inBackup));
  const statusFilter = new IncludesExcludes([...statusResources], []);
  const empty = new Set<string>();
  return {
    restoreName,
    backupName: spec.backupName,
    namespaceMapping: mappingOf(spec.namespaceMapping),
    storageClassMapping: mappingOf(spec.storageClassMapping),
    preserveNodePorts: spec.preserveNodePorts,
    serviceAccountsIn: (ns) => extras.serviceAccounts.get(ns) ?? empty,
    pvsToProvision: extras.pvsToProvision,
    volumes: extras.volumes,
    restoresStatus: (gr) => statusResources.size > 0 && statusFilter.shouldInclude(gr),
    podVolumeRestore: extras.podVolumeRestore,
  };
}
