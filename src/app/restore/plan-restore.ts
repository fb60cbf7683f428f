import { type ApiResource, discoverResources, type KubeClient } from '../../kube/index.ts';
import {
  buildRestorePlan,
  type ItemFacts,
  inventory,
  inspectTarget,
  planRequest,
  type PlanTarget,
  prepareContext,
  type PrepareContext,
  pvsToProvision,
  type RestorePlan,
  type RestorePlanRequest,
  serviceAccountNames,
} from '../../restore/index.ts';
import type { ExtractedBackup } from './extract-backup.ts';
import type { RestoreSpecRecord } from './restores.ts';

/** What the inventory found in the archive, with the request it was read for. */
interface Inventory {
  served: readonly ApiResource[];
  request: RestorePlanRequest;
  facts: Map<string, ItemFacts[]>;
}

/**
 * Step 1, inventory: the target's discovery resolves the request's resource names; every item of the
 * archive is read, checked and prepared once (kept in `extracted.prepared`) into the plan's facts.
 */
async function takeInventory(
  spec: RestoreSpecRecord,
  restoreName: string,
  client: KubeClient,
  extracted: ExtractedBackup,
  podVolumeRestore: PrepareContext['podVolumeRestore'],
): Promise<Inventory> {
  const served = (await discoverResources(client)).resources;
  const inBackup = extracted.catalog.resources();
  const request = planRequest(spec, served, inBackup);
  const context = prepareContext(spec, restoreName, served, inBackup, {
    volumes: extracted.volumes,
    pvsToProvision: await pvsToProvision(extracted),
    serviceAccounts: serviceAccountNames(extracted.catalog),
    podVolumeRestore,
  });
  const facts = await inventory(extracted, context, {
    keepLabels: request.labelSelector !== undefined,
    prepared: extracted.prepared,
  });
  return { served, request, facts };
}

/** Step 2, target: what the target serves and holds where the restore writes. */
function inspect(client: KubeClient, found: Inventory): Promise<PlanTarget> {
  return inspectTarget(client, found.served, found.facts, found.request.namespaceMapping);
}

/**
 * Inventory, target and plan for a restore spec (verify re-plans a stored restore this way); pods
 * get restore-wait through `podVolumeRestore` when the restore brings back pod volume data.
 */
export async function planRestore(
  spec: RestoreSpecRecord,
  restoreName: string,
  client: KubeClient,
  extracted: ExtractedBackup,
  podVolumeRestore?: PrepareContext['podVolumeRestore'],
): Promise<RestorePlan> {
  const found = await takeInventory(spec, restoreName, client, extracted, podVolumeRestore);
  const target = await inspect(client, found);
  return buildRestorePlan({ facts: found.facts, request: found.request, target });
}
