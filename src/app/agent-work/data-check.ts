import { type DataCheck, DataCheckSchema, type PodVolumeRestore } from '../../model/index.ts';

/**
 * How a restore asks the agent to prove the bytes it wrote: this annotation on the PodVolumeRestore
 * (the object the agent already takes; Velero's spec is left as Velero has it). With it, the agent
 * re-reads the volume's directory right after writing it and BEFORE the restore marker that lets the
 * pod's restore-wait end: the application has not started, so whatever differs from the snapshot was
 * restored wrong (or changed on the node behind the restore's back), never written by the workload.
 * A check of its own after the workload started would flag every file the application touched. The
 * result goes to the object's status as `dataCheck`; the object stays Completed (the data is there)
 * and the caller (a drill) judges the mismatches.
 */
export const CHECK_DATA_ANNOTATION = 'lifeboat.io/check-data';

/** Mismatches a PodVolumeRestore's status lists (all are counted). */
export const MAX_LISTED_MISMATCHES = 20;

/** Whether the restore asked for the data check. */
export function wantsDataCheck(pvr: Pick<PodVolumeRestore, 'metadata'>): boolean {
  return pvr.metadata.annotations?.[CHECK_DATA_ANNOTATION] === 'true';
}

/** The data check an agent recorded in a PodVolumeRestore's status (undefined when none or unreadable). */
export function dataCheckOf(status: unknown): DataCheck | undefined {
  if (typeof status !== 'object' || status === null) return undefined;
  const parsed = DataCheckSchema.safeParse((status as { dataCheck?: unknown }).dataCheck);
  return parsed.success ? parsed.data : undefined;
}

/**
 * A hook the agent runs between writing a volume and checking it (tests alter the written bytes on
 * the node there, to prove the check sees what is on disk); none in the lifeboat command.
 */
export type BeforeDataCheck = (dir: string, pvr: PodVolumeRestore) => Promise<void>;
