import { setTimeout as sleep } from 'node:timers/promises';
import { LifeboatError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import {
  checkRestoreUid,
  removeRestoreMarkers,
  RESTORES_DIR,
  volumesAwaitingMarker,
} from '../../podvolumes/index.ts';

export interface RestoreHelperRequest {
  restoreUid: string;
  /** Where the pod's restored volumes are mounted (default /restores). */
  restoresDir?: string | undefined;
  logger: Logger;
  /**
   * Between two looks (default 250 ms; Velero's helper looks every second). A look is one readdir per
   * volume, and the application starts that much sooner after its data is written.
   */
  intervalMs?: number;
  /** Between two "still waiting" log lines when nothing changed (default 30 s). */
  reportEveryMs?: number;
  signal?: AbortSignal | undefined;
}

/**
 * The restore-wait init container's work (Velero's velero-restore-helper): looks every 250 ms until
 * every volume under /restores has `.velero/<restore uid>`, then removes the `.velero` dirs (one it
 * may not remove is left, said at info level; another failure is a warning; neither is fatal, as in
 * Velero) and returns the volumes it waited for.
 */
export async function waitForRestoredVolumes(request: RestoreHelperRequest): Promise<string[]> {
  const { logger, restoreUid } = request;
  if (!checkRestoreUid(restoreUid))
    throw new LifeboatError('USAGE', `"${restoreUid}" is not a restore UID`, {
      hint: "the init container's only argument is the UID of the restore that injected it",
    });
  const dir = request.restoresDir ?? RESTORES_DIR;
  const interval = request.intervalMs ?? 250;
  let last = '';
  let lastReport = 0;
  let first: string[] | undefined;
  for (;;) {
    const waiting = await volumesAwaitingMarker(dir, restoreUid).catch((err: unknown) => {
      throw new LifeboatError('NOT_FOUND', `cannot read the restored volumes under ${dir}: ${message(err)}`, {
        hint: 'the restore-wait init container mounts each restored volume at /restores/<volume>',
        cause: err,
      });
    });
    first ??= waiting;
    if (waiting.length === 0) break;
    const now = Date.now();
    const text = waiting.join(', ');
    if (text !== last || now - lastReport >= (request.reportEveryMs ?? 30_000)) {
      logger.info(
        { restoreUid, waiting },
        `waiting for the node agent to restore ${waiting.length} volume(s): ${text}`,
      );
      last = text;
      lastReport = now;
    }
    await sleep(interval, undefined, request.signal ? { signal: request.signal } : {});
  }
  logger.info({ restoreUid }, 'every volume is restored');
  const left = await removeRestoreMarkers(dir);
  for (const l of left)
    if (l.denied)
      // As Velero's helper: a marker the agent left to another user stays, harmless (the next
      // restore of the volume replaces it); nothing is wrong with the restore.
      logger.info({ restoreUid }, `left ${l.path} in place: this user may not remove it`);
    else logger.warn({ restoreUid }, `could not remove the restore marker ${l.path}: ${l.reason}`);
  if (left.length === 0) logger.info({ restoreUid }, 'removed the .velero markers');
  return first;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
