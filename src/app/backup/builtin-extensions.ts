import { parseDuration } from '../../gojson/index.ts';
import { DEFAULT_LIFEBOAT_NAMESPACE } from '../../model/index.ts';
import type { BackupExtension } from './backup-record.ts';
import type { BackupRequest } from './backup-request.ts';
import { podVolumeExtension } from './pod-volumes.ts';

/** How long a volume waits for its node's agent to take it before the backup fails it. */
const ACCEPT_TIMEOUT_MS = 30_000;

/** The extensions every backup runs: pod volume file-system backup. */
export function builtinExtensions(request: BackupRequest): BackupExtension[] {
  return [
    podVolumeExtension({
      defaultVolumesToFsBackup: request.defaultVolumesToFsBackup === true,
      namespace: request.podVolumeNamespace ?? DEFAULT_LIFEBOAT_NAMESPACE,
      hooks: request.hooks,
      wait: {
        timeoutMs: parseDuration(request.podVolumeTimeout ?? '4h', '--pod-volume-timeout'),
        acceptTimeoutMs: ACCEPT_TIMEOUT_MS,
      },
    }),
  ];
}
