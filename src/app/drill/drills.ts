import { LifeboatError } from '../../errors/index.ts';
import { loadConfig } from '../../config/index.ts';
import type { Logger } from '../../log/index.ts';
import type { DrillReport } from '../../drill/index.ts';
import { openLocation } from '../deps/index.ts';
import { type Evidence, readEvidence } from './evidence.ts';

export interface DrillQuery {
  configPath: string | undefined;
  location: string | undefined;
  logger: Logger;
  /** The cluster whose drills to read; without one, every configured cluster's. */
  cluster?: string | undefined;
}

export interface DrillSummary {
  name: string;
  cluster: string;
  backup: string | undefined;
  outcome: DrillReport['outcome'];
  rtoSeconds: number | undefined;
  rpoSeconds: number | undefined;
  started: string;
  completed: string;
  /** false when an artefact no longer matches the manifest. */
  intact: boolean;
  /** Set when the evidence could not be read. */
  problem?: string;
}

async function clustersOf(query: DrillQuery): Promise<string[]> {
  if (query.cluster !== undefined) return [query.cluster];
  return ((await loadConfig(query.configPath)).clusters ?? []).map((c) => c.name);
}

/** The drills recorded under each cluster's prefix, newest first, read from the bucket alone. */
export async function listDrills(query: DrillQuery): Promise<DrillSummary[]> {
  const out: DrillSummary[] = [];
  for (const cluster of await clustersOf(query)) {
    const opened = await openLocation(query.configPath, query.location, query.logger, cluster);
    try {
      for (const name of await opened.backupStore.listRestoreNames()) {
        try {
          const { report, integrity } = await readEvidence(opened.backupStore, opened.store, name);
          out.push({
            name,
            cluster: report.cluster,
            backup: report.backup,
            outcome: report.outcome,
            rtoSeconds: report.rtoSeconds,
            rpoSeconds: report.rpoSeconds,
            started: report.startTimestamp,
            completed: report.completionTimestamp,
            intact: integrity.ok,
          });
        } catch (err) {
          // A restore without a drill's manifest is a plain restore, not a drill.
          if (err instanceof LifeboatError && err.code === 'NOT_FOUND') continue;
          out.push({
            name,
            cluster,
            backup: undefined,
            outcome: 'Failed',
            rtoSeconds: undefined,
            rpoSeconds: undefined,
            started: '',
            completed: '',
            intact: false,
            problem: err instanceof Error ? err.message : String(err),
          });
        }
      }
    } finally {
      await opened.close();
    }
  }
  return out.sort((a, b) => b.started.localeCompare(a.started));
}

/** One drill's evidence, checked against its manifest: under the cluster's prefix, else searched in each cluster's. */
export async function getDrill(query: DrillQuery, name: string): Promise<Evidence & { cluster: string }> {
  const clusters = await clustersOf(query);
  let lastError: unknown;
  for (const cluster of clusters) {
    const opened = await openLocation(query.configPath, query.location, query.logger, cluster);
    try {
      return { ...(await readEvidence(opened.backupStore, opened.store, name)), cluster };
    } catch (err) {
      lastError = err;
    } finally {
      await opened.close();
    }
  }
  if (lastError instanceof Error) throw lastError;
  throw new LifeboatError('NOT_FOUND', `drill "${name}" not found: no cluster is configured`, {
    hint: 'name the cluster with --cluster NAME',
  });
}

/** The newest Passed drill of a cluster (for the runbook and the server's metrics), if any. */
export async function latestPassedDrill(
  query: DrillQuery & { cluster: string },
): Promise<DrillSummary | undefined> {
  return (await listDrills(query)).find((d) => d.outcome === 'Passed' && d.intact);
}
