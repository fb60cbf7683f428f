import { Option } from 'commander';
import type { RestoreRequest, RestoreRunEvent } from '../app/restore/index.ts';
import { LifeboatError } from '../errors/index.ts';
import { parseDuration } from '../gojson/index.ts';
import { DEFAULT_LIFEBOAT_NAMESPACE } from '../model/index.ts';
import { formatBytes } from '../output/index.ts';
import { ObjectName, parseWith } from './flags.ts';

/** `restore create`'s flags for pod volume data (Velero's file-system backup restored by lifeboat's node agents). */
export interface PodVolumeFlags {
  agentNamespace: string;
  restoreHelperImage?: string;
  podVolumeOperationTimeout: string;
}

export const agentNamespaceOption = () =>
  new Option(
    '--agent-namespace <ns>',
    "namespace of lifeboat's node agents, where the PodVolumeRestores go",
  ).default(DEFAULT_LIFEBOAT_NAMESPACE);
export const helperImageOption = () =>
  new Option(
    '--restore-helper-image <image>',
    'image of the restore-wait init container (default: lifeboat:dev)',
  );
export const podVolumeTimeoutOption = () =>
  new Option(
    '--pod-volume-operation-timeout <duration>',
    'how long to wait for the pod volume data (Go duration)',
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
  const ns = parseWith(ObjectName, opts.agentNamespace, '--agent-namespace');
  let timeoutMs: number;
  try {
    timeoutMs = parseDuration(opts.podVolumeOperationTimeout, '--pod-volume-operation-timeout');
  } catch (err) {
    throw new LifeboatError('USAGE', err instanceof Error ? err.message : String(err), {
      hint: 'a Go duration, e.g. 30m or 4h',
    });
  }
  return {
    namespace: ns,
    timeoutMs,
    ...(opts.restoreHelperImage !== undefined ? { helperImage: opts.restoreHelperImage } : {}),
  };
}
