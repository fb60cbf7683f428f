import { Option } from 'commander';
import type { RestoreRequest, RestoreRunEvent } from '../app/restore/index.ts';
import { DEFAULT_LIFEBOAT_NAMESPACE } from '../model/index.ts';
import { formatBytes } from '../output/index.ts';
import { durationMs, ObjectName, parseWith } from './flags.ts';

/** `restore create`'s flags for pod volume data (Velero's file-system backup restored by lifeboat's node agents). */
export interface PodVolumeFlags {
  podVolumeNamespace: string;
  restoreHelperImage?: string;
  podVolumeTimeout: string;
}

export const agentNamespaceOption = () =>
  new Option('--pod-volume-namespace <ns>', 'namespace of the lifeboat agents and their work objects')
    .env('LIFEBOAT_NAMESPACE')
    .default(DEFAULT_LIFEBOAT_NAMESPACE);
export const helperImageOption = () =>
  new Option(
    '--restore-helper-image <image>',
    'image of the restore-wait init container (default: lifeboat:dev)',
  );
export const podVolumeTimeoutOption = () =>
  new Option(
    '--pod-volume-timeout <duration>',
    'how long the pod volumes may take together to get their data back',
  ).default('4h');

export function progressLine(e: RestoreRunEvent): string {
  if (e.phase === 'restoring' && e.total !== undefined)
    return `restoring ${e.resource ?? ''}  ${e.done}/${e.total} items  created ${e.created} updated ${e.updated} skipped ${e.skipped} failed ${e.failed}`;
  const v = e.podVolumes;
  if (e.phase === 'volumes' && v !== undefined)
    return `restoring pod volume data  ${v.completed}/${v.volumes} volumes  ${formatBytes(v.bytesDone)}/${formatBytes(v.totalBytes)}  failed ${v.failed}`;
  return `${e.phase}…`;
}

export function podVolumeOptions(opts: PodVolumeFlags): NonNullable<RestoreRequest['podVolumes']> {
  const ns = parseWith(ObjectName, opts.podVolumeNamespace, '--pod-volume-namespace');
  const timeoutMs = durationMs(opts.podVolumeTimeout, '--pod-volume-timeout');
  return {
    namespace: ns,
    timeoutMs,
    ...(opts.restoreHelperImage !== undefined ? { helperImage: opts.restoreHelperImage } : {}),
  };
}
