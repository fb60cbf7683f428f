import { LifeboatError } from '../../errors/index.ts';
import { KubeClient, type KubeTarget, loadKubeConfig } from '../../kube/index.ts';
import type { Logger } from '../../log/index.ts';
import { DEFAULT_LIFEBOAT_NAMESPACE, type ResourceList, type VeleroBackup } from '../../model/index.ts';
import { readPodVolumeBackups } from '../../podvolumes/index.ts';
import {
  decideOutcome,
  type DrillFacts,
  type DrillPhaseName,
  type DrillReport,
  PhaseTimeline,
} from '../../drill/index.ts';
import { type OpenedLocation, requestedLocation, withLocation } from '../deps/index.ts';
import { runStandbyCheck } from '../profile/index.ts';
import {
  DEFAULT_PARALLELISM,
  type RestoreRequest,
  type RestoreRunEvent,
  type RestoreRunResult,
  runRestore,
} from '../restore/index.ts';
import { type StandbyLock, type StandbyLockLoss, takeStandbyLock } from '../standby-lock/index.ts';
import { cleanUpStandby, keptObjects, namespaceNames } from './clean-up.ts';
import { checkVolumes } from './data-check.ts';
import { drillBackup, drillName, drillSettings } from './drill-target.ts';
import { writeEvidence } from './evidence.ts';
import { restoredWorkloads, waitUntilReady } from './wait-ready.ts';

export interface DrillRequest {
  cluster: string;
  /** The backup to restore (default: the newest Completed one of the cluster). */
  backup?: string | undefined;
  /** The standby (default: the cluster entry's standby). */
  standby?: KubeTarget | undefined;
  name?: string | undefined;
  namespaceMapping: Record<string, string>;
  storageClassMapping: Record<string, string>;
  /** Leave the restored objects in the standby for inspection. */
  keep: boolean;
  /** How long each restored workload may take to become ready. */
  workloadTimeoutMs: number;
  /** How long the clean-up waits for the restored namespaces to be gone. */
  cleanupTimeoutMs: number;
  objectives: { rtoSeconds?: number | undefined; rpoSeconds?: number | undefined };
  configPath?: string | undefined;
  storageLocation?: string | undefined;
  podVolumes?: RestoreRequest['podVolumes'];
  /** Wait while another drill or a restore holds the standby's lock (default: fail naming it). */
  waitLock?: boolean | undefined;
}

export interface DrillEvent {
  phase: DrillPhaseName | 'evidence' | 'done';
  name: string;
  detail?: string;
}

interface Drill {
  request: DrillRequest;
  deps: { logger: Logger; signal?: AbortSignal | undefined; onEvent?: ((e: DrillEvent) => void) | undefined };
  opened: OpenedLocation;
  backup: VeleroBackup;
  kube: KubeTarget;
  client: KubeClient;
  timeline: PhaseTimeline;
  facts: DrillFacts;
  namespacesBefore: string[];
  /** Set once the restore began to create objects: from then on the standby needs cleaning. */
  restoring: boolean;
  /** The restore's resource list, read once for readiness and clean-up. */
  resourceList?: ResourceList | undefined;
}

const RESTORE_PHASES: Record<RestoreRunEvent['phase'], DrillPhaseName | undefined> = {
  downloading: 'download',
  planning: 'plan',
  restoring: 'apply',
  volumes: 'data',
  verifying: 'verify',
  done: undefined,
};

/**
 * A DR drill: the cluster's newest Completed backup (or the one named) → standby check (blocking
 * findings stop it, nothing restored) → restore into the standby → restored workloads ready →
 * restore verify → volume data check → the standby cleaned back to what it was (unless --keep) →
 * the evidence stored under the restore's folder. Interrupted, it still cleans up and records what
 * it left. Returns the report; the outcome is in it (a failed drill is not an error). The standby's
 * lock is held from the check to the end of the clean-up: a drill or restore holding it stops this
 * one before anything is done (CONFLICT naming the holder), unless waitLock.
 */
export async function runDrill(request: DrillRequest, deps: Drill['deps']): Promise<DrillReport> {
  const timeline = new PhaseTimeline();
  const started = new Date(timeline.startedAt);
  const { kube, objectives } = await drillSettings(
    request.configPath,
    request.cluster,
    request.standby,
    request.objectives,
  );
  return withLocation(requestedLocation(request, deps.logger), async (opened) => {
    const backup = await drillBackup(opened.backupStore, request.backup, request.cluster);
    const name = request.name ?? drillName(request.cluster, started);
    const { client, lock } = await lockStandby(kube, name, request, deps);
    const backupStarted = backup.status.startTimestamp;
    const facts: DrillFacts = {
      apiVersion: 'lifeboat.io/v1alpha1',
      kind: 'DrillReport',
      name,
      cluster: request.cluster,
      backup: backup.metadata.name,
      location: opened.location.name,
      standby: client.server,
      startTimestamp: started.toISOString(),
      completionTimestamp: started.toISOString(),
      objectives,
      phases: [],
      findings: [],
      workloads: [],
      volumes: [],
      cleanup: { mode: 'nothing', deleted: [], left: [] },
    };
    if (backupStarted !== undefined) {
      facts.backupStartTimestamp = backupStarted;
      facts.rpoSeconds = Math.max(0, (started.getTime() - Date.parse(backupStarted)) / 1000);
    }
    // Losing the standby's lock stops the drill as an interruption does: no more applying, clean-up.
    const signal = deps.signal === undefined ? lock.lost : AbortSignal.any([deps.signal, lock.lost]);
    const drill: Drill = {
      request,
      deps: { ...deps, signal },
      opened,
      backup,
      kube,
      client,
      timeline,
      facts,
      namespacesBefore: [],
      restoring: false,
    };
    let reached = false;
    try {
      reached = await drillSteps(drill);
    } catch (err) {
      // Stopped by the lock's loss: the report gives that reason (lockLost), not the abort it caused.
      if (lock.loss === undefined) facts.error = err instanceof Error ? err.message : String(err);
      deps.logger.warn({ drill: name }, `drill ${name}: ${String(err)}`);
    } finally {
      await finish(drill);
      await lock.release();
      client.close();
    }
    facts.phases = timeline.phases();
    facts.completionTimestamp = new Date().toISOString();
    if (deps.signal?.aborted === true) facts.interrupted = true;
    if (lock.loss !== undefined) facts.lockLost = withoutUndefined(lock.loss);
    const report = decideOutcome(facts, reached && !signal.aborted);
    deps.onEvent?.({ phase: 'evidence', name });
    await writeEvidence(opened.backupStore, report);
    deps.onEvent?.({ phase: 'done', name, detail: report.outcome });
    return report;
  });
}

/** The standby's client, with the standby's lock taken for the drill (the client closed when not). */
async function lockStandby(
  kube: KubeTarget,
  name: string,
  request: DrillRequest,
  deps: Drill['deps'],
): Promise<{ client: KubeClient; lock: StandbyLock }> {
  const client = new KubeClient(loadKubeConfig(kube));
  try {
    const lock = await takeStandbyLock({
      client,
      purpose: `drill ${name}`,
      wait: request.waitLock,
      signal: deps.signal,
      logger: deps.logger,
    });
    return { client, lock };
  } catch (err) {
    client.close();
    throw err;
  }
}

/** The lock's loss as the report records it (no undefined fields: the report is compared as stored). */
function withoutUndefined(loss: StandbyLockLoss): NonNullable<DrillFacts['lockLost']> {
  return {
    ...(loss.holder === undefined ? {} : { holder: loss.holder }),
    ...(loss.since === undefined ? {} : { since: loss.since }),
    noticedAt: loss.noticedAt,
    message: loss.message,
  };
}

function stopIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new LifeboatError('INTERRUPTED', 'the drill was interrupted');
}

/** The drill's steps up to ready, verified and data-checked; false when the standby check blocks it. */
async function drillSteps(drill: Drill): Promise<boolean> {
  const { request, deps, timeline, facts } = drill;
  const event = (phase: DrillPhaseName, detail?: string) =>
    deps.onEvent?.({ phase, name: facts.name, ...(detail === undefined ? {} : { detail }) });
  drill.namespacesBefore = await namespaceNames(drill.client);
  event('check');
  const check = await timeline.time('check', () =>
    runStandbyCheck({
      backup: drill.backup.metadata.name,
      configPath: request.configPath,
      location: request.storageLocation,
      cluster: request.cluster,
      kube: drill.kube,
      storageClassMappings: request.storageClassMapping,
      logger: deps.logger,
    }),
  );
  facts.findings = check.findings;
  if (!check.ready) return false;
  stopIfAborted(deps.signal);
  const restored = await restore(drill, event);
  facts.verify = restored.verify;
  stopIfAborted(deps.signal);
  event('readiness');
  const list = await drill.opened.backupStore.getRestoreResourceList(facts.name);
  drill.resourceList = list;
  facts.workloads = await timeline.time('readiness', () =>
    waitUntilReady(drill.client, restoredWorkloads(list), {
      timeoutMs: request.workloadTimeoutMs,
      signal: deps.signal,
      onProgress: (ready, total) => event('readiness', `${ready}/${total} workloads ready`),
    }),
  );
  stopIfAborted(deps.signal);
  if ((restored.podVolumes ?? []).length > 0) {
    event('dataCheck');
    facts.volumes = await timeline.time('dataCheck', async () => {
      const raw = await drill.opened.backupStore.getVolumeFile(
        drill.backup.metadata.name,
        'podVolumeBackups',
      );
      return checkVolumes(restored.podVolumes ?? [], readPodVolumeBackups(raw).backups);
    });
  }
  return true;
}

/** The restore into the standby, each of its phases on the drill's timeline. */
async function restore(drill: Drill, event: (phase: DrillPhaseName) => void): Promise<RestoreRunResult> {
  const { request, deps, timeline, facts } = drill;
  const backupName = drill.backup.metadata.name;
  const archive = await drill.opened.store.head(
    drill.opened.backupStore.layout.backupFileKey(backupName, 'contents'),
  );
  const onEvent = (e: RestoreRunEvent) => {
    const phase = RESTORE_PHASES[e.phase];
    if (e.phase === 'restoring') drill.restoring = true;
    if (phase === undefined) timeline.end();
    else {
      timeline.begin(phase);
      event(phase);
    }
  };
  const result = await runRestore(
    {
      name: facts.name,
      fromBackup: backupName,
      cluster: request.cluster,
      storageLocation: request.storageLocation,
      configPath: request.configPath,
      kube: drill.kube,
      includedNamespaces: [],
      excludedNamespaces: [],
      includedResources: [],
      excludedResources: [],
      namespaceMapping: request.namespaceMapping,
      storageClassMapping: request.storageClassMapping,
      existingResourcePolicy: 'none',
      preserveNodePorts: false,
      restoreStatus: [],
      parallelism: DEFAULT_PARALLELISM,
      dryRun: false,
      // The restore's own verify, against the plan it read from the archive (no second download).
      verify: true,
      // Each agent re-hashes the volume it writes against the snapshot (app/agent-work/data-check.ts).
      podVolumes: { ...request.podVolumes, checkData: true },
      standbyLock: 'held',
    },
    { logger: deps.logger, signal: deps.signal, onEvent },
  ).finally(() => timeline.end());
  facts.restore = {
    name: result.name,
    phase: result.phase,
    ...result.counts,
    errors: result.errors,
    warnings: result.warnings,
    volumeBytes: (result.podVolumes ?? []).reduce((n, v) => n + (v.bytesDone ?? 0), 0),
  };
  if (archive !== undefined) facts.restore.archiveBytes = archive.size;
  return result;
}

/** Cleans the standby (unless --keep, or nothing was restored); never throws, says what it left. */
async function finish(drill: Drill): Promise<void> {
  const { facts, request } = drill;
  if (!drill.restoring) return;
  if (request.keep) {
    const list =
      drill.resourceList ??
      (await drill.opened.backupStore.getRestoreResourceList(facts.name).catch(() => undefined));
    facts.cleanup = { mode: 'kept', deleted: [], left: keptObjects(facts.name, list) };
    return;
  }
  drill.deps.onEvent?.({ phase: 'cleanup', name: facts.name });
  await drill.timeline.time('cleanup', async () => {
    try {
      facts.cleanup = await cleanUpStandby(drill.client, {
        restoreName: facts.name,
        resourceList:
          drill.resourceList ??
          (await drill.opened.backupStore.getRestoreResourceList(facts.name).catch(() => undefined)),
        namespacesBefore: drill.namespacesBefore,
        agentNamespace: request.podVolumes?.namespace ?? DEFAULT_LIFEBOAT_NAMESPACE,
        timeoutMs: request.cleanupTimeoutMs,
      });
    } catch (err) {
      facts.cleanup = {
        mode: 'cleaned',
        deleted: facts.cleanup.deleted,
        left: [
          ...facts.cleanup.left,
          `the clean-up stopped: ${err instanceof Error ? err.message : String(err)}`,
        ],
      };
    }
  });
}
