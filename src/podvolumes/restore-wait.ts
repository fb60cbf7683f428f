import { type KubeObject, RESTORE_WAIT_CONTAINER } from '../model/index.ts';

/**
 * Velero's PodVolumeRestoreAction (spec/volume-data.md §1.7): a pod whose volumes get their data
 * back starts with the init container `restore-wait`, which holds the application back until the
 * node agent has written every volume and its marker. Pure: returns a new pod.
 */

/** Velero's former name of the init container, removed like the current one. */
const LEGACY_WAIT_CONTAINER = 'restic-wait';
/** Where the init container sees each restored volume: /restores/<volume>. */
export const RESTORES_DIR = '/restores';
/** The image lifeboat's deploy/ manifests run (deploy/kubernetes/40-deployment.yaml). */
export const DEFAULT_RESTORE_HELPER_IMAGE = 'lifeboat:dev';
/** The bundled CLI in lifeboat's image (deploy/Dockerfile), run as `lifeboat restore-helper`. */
export const RESTORE_HELPER_COMMAND: readonly string[] = [
  'node',
  '/app/dist/bin/lifeboat.js',
  'restore-helper',
];
/** Velero's defaults: requests equal limits. */
const CPU = '100m';
const MEMORY = '128Mi';
/** Velero's restoreHelperUID: the helper runs as a non-root user unless the pod's first container says otherwise. */
const HELPER_UID = 1000;

export interface RestoreWaitOptions {
  restoreUid: string;
  image?: string | undefined;
}

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const containersOf = (spec: Json, key: string): Json[] =>
  Array.isArray(spec[key]) ? spec[key].filter(isRecord) : [];

/** Velero's "restricted" security context for the helper. */
function defaultSecurityContext(): Json {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
    runAsUser: HELPER_UID,
    runAsNonRoot: true,
  };
}

/** The init container for these volumes (Velero copies the first container's security context). */
export function restoreWaitContainer(
  volumes: readonly string[],
  options: RestoreWaitOptions,
  firstContainer?: Json,
): Json {
  const securityContext = isRecord(firstContainer?.['securityContext'])
    ? structuredClone(firstContainer['securityContext'])
    : defaultSecurityContext();
  const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
  return {
    name: RESTORE_WAIT_CONTAINER,
    image: options.image ?? DEFAULT_RESTORE_HELPER_IMAGE,
    command: [...RESTORE_HELPER_COMMAND],
    args: [options.restoreUid],
    env: [fieldEnv('POD_NAMESPACE', 'metadata.namespace'), fieldEnv('POD_NAME', 'metadata.name')],
    resources: { requests: { cpu: CPU, memory: MEMORY }, limits: { cpu: CPU, memory: MEMORY } },
    volumeMounts: volumes.map((name) => ({ name, mountPath: `${RESTORES_DIR}/${name}` })),
    securityContext,
  };
}

/**
 * The pod with any old restore-wait (or restic-wait) init container removed and, when volumes are
 * restored, a new one prepended. `pod` is not changed.
 */
export function withRestoreWait(
  pod: KubeObject,
  volumes: readonly string[],
  options: RestoreWaitOptions,
): KubeObject {
  const out = structuredClone(pod);
  const spec = isRecord(out['spec']) ? out['spec'] : undefined;
  if (spec === undefined) return out;
  const isWait = (c: Json) => c['name'] === RESTORE_WAIT_CONTAINER || c['name'] === LEGACY_WAIT_CONTAINER;
  const kept = containersOf(spec, 'initContainers').filter((c) => !isWait(c));
  if (volumes.length > 0) {
    kept.unshift(restoreWaitContainer(volumes, options, containersOf(spec, 'containers')[0]));
  }
  if (kept.length > 0 || spec['initContainers'] !== undefined) spec['initContainers'] = kept;
  return out;
}

/** The volumes the pod's restore-wait init container waits for (its /restores/<volume> mounts). */
export function awaitedVolumes(pod: KubeObject): string[] {
  const wait = restoreWaitSpec(pod);
  const mounts = wait && Array.isArray(wait['volumeMounts']) ? wait['volumeMounts'].filter(isRecord) : [];
  return mounts.flatMap((m) =>
    typeof m['name'] === 'string' && m['mountPath'] === `${RESTORES_DIR}/${m['name']}` ? [m['name']] : [],
  );
}

/** Whether the kubelet runs the pod's restore-wait init container (its volumes are mounted): Velero's isInitContainerRunning. */
export function restoreWaitRunning(pod: KubeObject): boolean {
  return isRecord(restoreWaitState(pod)?.['running']);
}

/** The restore UID the pod's restore-wait init container waits for (its first argument), if it has one. */
export function restoreWaitUid(pod: KubeObject): string | undefined {
  const args = restoreWaitSpec(pod)?.['args'];
  return Array.isArray(args) && typeof args[0] === 'string' ? args[0] : undefined;
}

/** Whether the pod's restore-wait init container has ended successfully (its data was all there). */
export function restoreWaitDone(pod: KubeObject): boolean {
  const state = restoreWaitState(pod);
  const terminated = isRecord(state?.['terminated']) ? state['terminated'] : undefined;
  return terminated?.['exitCode'] === 0;
}

/** Whether the pod's restore-wait init container has ended, well or not (it will not run again to wait). */
export function restoreWaitEnded(pod: KubeObject): boolean {
  return isRecord(restoreWaitState(pod)?.['terminated']);
}

/** A user or group ID a security context gives (a whole number ≥ 0), else undefined. */
function idOf(context: unknown, key: 'runAsUser' | 'runAsGroup'): number | undefined {
  const value = isRecord(context) ? context[key] : undefined;
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/**
 * The user and group the pod's restore-wait runs as, when its spec says (the container's security
 * context, else the pod's); undefined where the image decides.
 */
export function restoreWaitUser(pod: KubeObject): { uid?: number; gid?: number } {
  const container = restoreWaitSpec(pod)?.['securityContext'];
  const podContext = isRecord(pod['spec']) ? pod['spec']['securityContext'] : undefined;
  const uid = idOf(container, 'runAsUser') ?? idOf(podContext, 'runAsUser');
  const gid = idOf(container, 'runAsGroup') ?? idOf(podContext, 'runAsGroup');
  return { ...(uid === undefined ? {} : { uid }), ...(gid === undefined ? {} : { gid }) };
}

/** The pod's restore-wait init container, as its spec declares it. */
function restoreWaitSpec(pod: KubeObject): Record<string, unknown> | undefined {
  const spec = isRecord(pod['spec']) ? pod['spec'] : {};
  return containersOf(spec, 'initContainers').find((c) => c['name'] === RESTORE_WAIT_CONTAINER);
}

/** The state the kubelet reports for the pod's restore-wait init container. */
function restoreWaitState(pod: KubeObject): Record<string, unknown> | undefined {
  const status = isRecord(pod['status']) ? pod['status'] : {};
  const wait = containersOf(status, 'initContainerStatuses').find(
    (s) => s['name'] === RESTORE_WAIT_CONTAINER,
  );
  return isRecord(wait?.['state']) ? wait['state'] : undefined;
}
