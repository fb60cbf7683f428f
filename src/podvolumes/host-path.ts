import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LifeboatError } from '../errors/index.ts';

const UID = /^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/;
const SEGMENT = /^[^/\0]{1,253}$/;

function checkVolumeDir(volumeDir: string): string[] {
  const parts = volumeDir.split('/');
  if (parts.length > 2 || parts.some((p) => !SEGMENT.test(p) || p === '.' || p === '..'))
    throw new LifeboatError('USAGE', `"${volumeDir}" is not a volume directory name`, {
      hint: 'a volume directory is a volume or PersistentVolume name, with /mount for a CSI volume',
    });
  return parts;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Where a pod volume's data is on the node, as Velero finds it (spec/volume-data.md §1.2): the one
 * match of `<hostPods>/<podUID>/volumes/*\/<volumeDir>`. No match or more than one is an error
 * naming what was found, so a volume is never backed up from the wrong directory.
 */
export async function findVolumeHostPath(
  hostPods: string,
  podUid: string,
  volumeDir: string,
): Promise<string> {
  if (!UID.test(podUid))
    throw new LifeboatError('USAGE', `"${podUid}" is not a pod UID`, {
      hint: 'check the pod the work names',
    });
  const parts = checkVolumeDir(volumeDir);
  const volumes = join(hostPods, podUid, 'volumes');
  let plugins: string[];
  try {
    plugins = (await readdir(volumes, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch (err) {
    throw new LifeboatError('NOT_FOUND', `the pod's volumes directory ${volumes} cannot be read`, {
      cause: err,
      hint: 'the pod must run on this node and the agent must see the kubelet pods directory (--host-pods, the DaemonSet hostPath)',
    });
  }
  const matches: string[] = [];
  for (const plugin of plugins.sort()) {
    const candidate = join(volumes, plugin, ...parts);
    if (await isDirectory(candidate)) matches.push(candidate);
  }
  if (matches.length === 1 && matches[0] !== undefined) return matches[0];
  if (matches.length === 0)
    throw new LifeboatError('NOT_FOUND', `no directory ${join(volumes, '*', volumeDir)} on the node`, {
      hint: `the volume is not mounted (volume plugins found: ${plugins.join(', ') || 'none'}); check the pod runs and mounts it`,
    });
  throw new LifeboatError(
    'CONFLICT',
    `${matches.length} directories match ${join(volumes, '*', volumeDir)}: ${matches.join(', ')}`,
    {
      hint: 'a pod volume must be in exactly one volume plugin directory; check the kubelet pods directory',
    },
  );
}

/**
 * Whether the kubelet of this node has begun to start the pod's container `name`: it makes
 * `<hostPods>/<podUID>/containers/<name>/` (for the container's termination message) as it creates
 * the container, which it does only once every volume of the pod is mounted. A restore's agent sees
 * restore-wait start this way before the pod's status says so: the kubelet reports a started
 * container at its next relist of the runtime (every second), and the API server then has it.
 */
export async function containerStartedOnNode(
  hostPods: string,
  podUid: string,
  name: string,
): Promise<boolean> {
  if (!UID.test(podUid) || !SEGMENT.test(name) || name === '.' || name === '..') return false;
  return isDirectory(join(hostPods, podUid, 'containers', name));
}
