import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { formatGoDuration, goEncodeLine } from '../gojson/index.ts';
import type { BackupPhase, LabelSelector } from '../model/index.ts';
import type { ResourceFilters } from '../selection/index.ts';
import type { CollectOutcome } from './collect-options.ts';
import { type BackupSpecInput, withVeleroAutoExclusions } from './velero-backup-json.ts';

const gzipAsync = promisify(gzip);

/** The phase a collection ends in: Failed when the cluster was lost, PartiallyFailed with errors. */
export function collectedPhase(outcome: CollectOutcome): BackupPhase {
  if (outcome.fatal) return 'Failed';
  return outcome.results.errorCount > 0 ? 'PartiallyFailed' : 'Completed';
}

/** The gzipped sidecars Velero writes beside the tarball: all of them, empty when there is nothing to say. */
export interface Sidecars {
  resourceList: Promise<Buffer>;
  results: Promise<Buffer>;
  itemOperations: Promise<Buffer>;
  volumeSnapshots: Promise<Buffer>;
  podVolumeBackups: Promise<Buffer>;
  volumeInfo: Promise<Buffer>;
}

/** The sidecars of a collection (the logs are the caller's). */
export function buildSidecars(outcome: CollectOutcome): Sidecars {
  const gz = (value: unknown) => gzipAsync(goEncodeLine(value));
  return {
    resourceList: gz(outcome.resourceList),
    results: gz(outcome.results.toFile()),
    itemOperations: gz([]),
    volumeSnapshots: gz(null),
    podVolumeBackups: gz(null),
    volumeInfo: gz([]),
  };
}

/** The filters a backup was asked for, as `backup create` takes them. */
export type RecordedFilters = Omit<ResourceFilters, 'labelSelector'>;

/** velero-backup.json's spec for the filters: every namespace as ['*'], empty lists left out, Velero's own exclusions added. */
export function recordedSpec(
  filters: RecordedFilters,
  labelSelector: LabelSelector | undefined,
  ttlMs: number,
): BackupSpecInput {
  return withVeleroAutoExclusions({
    includedNamespaces: filters.includedNamespaces.length > 0 ? filters.includedNamespaces : ['*'],
    excludedNamespaces: nonEmpty(filters.excludedNamespaces),
    includedResources: nonEmpty(filters.includedResources),
    excludedResources: nonEmpty(filters.excludedResources),
    labelSelector,
    includeClusterResources: filters.includeClusterResources,
    ttl: formatGoDuration(ttlMs),
  });
}

function nonEmpty(values: string[]): string[] | undefined {
  return values.length > 0 ? values : undefined;
}
