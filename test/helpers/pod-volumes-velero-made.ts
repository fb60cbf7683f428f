/**
 * The set-up the restore tests of Velero-made pod volume backups share: the harness's standby with
 * lifeboat's pod volume CRDs, an agents' namespace of the test's own and a simulated node; a
 * filesystem location in a temp dir; the CLI on that location; and a Velero-made backup of one pod
 * whose volumes the kopia CLI snapshotted as Velero's uploader does.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.ts';
import type { HarnessEnv } from '../harness/harness.ts';
import { type CliResult, runCli } from './cli.ts';
import { uniqueName } from './kube.ts';
import { writeFilesystemConfig } from './locations.ts';
import {
  backedUpPod,
  veleroPodVolumeBackup,
  veleroSnapshot,
  writePodVolumeBackup,
  writeVolumeTree,
} from './pod-volume-restore.ts';
import {
  createNamespace,
  deleteNamespace,
  installPodVolumeCrds,
  type SimulatedNode,
  simulatedNode,
} from './pod-volumes.ts';

export interface VeleroMadeStandby {
  client: KubeClient;
  kubeconfig: string;
  agentNamespace: string;
  work: string;
  /** The filesystem location's root (the backups are written here as Velero writes them). */
  fsRoot: string;
  configPath: string;
  node: SimulatedNode;
  /** Namespaces (and `pv:<name>` PVs) deleted by close(). */
  created: string[];
  lifeboat(...args: string[]): Promise<CliResult>;
  /** `restore create r-BACKUP --from-backup BACKUP` on the standby with the agents' namespace. */
  restore(backup: string, ...extra: string[]): Promise<CliResult>;
  close(): Promise<void>;
}

export async function veleroMadeStandby(harness: HarnessEnv, prefix: string): Promise<VeleroMadeStandby> {
  const kubeconfig = harness.clusters['standby']?.kubeconfig;
  if (kubeconfig === undefined) throw new Error('the harness has no standby cluster');
  const client = new KubeClient(loadKubeConfig({ kubeconfig }));
  const agentNamespace = uniqueName(`lb-${prefix}`);
  await installPodVolumeCrds(client);
  await createNamespace(client, agentNamespace);
  const work = await mkdtemp(join(tmpdir(), `lifeboat-${prefix}-`));
  const fsRoot = join(work, 'location');
  const configPath = join(work, 'config.yaml');
  await writeFilesystemConfig(configPath, fsRoot);
  const node = await simulatedNode(client, uniqueName(`sim-${prefix}`));
  const created = [agentNamespace];
  const lifeboat = (...args: string[]) =>
    runCli(['--log-level', 'error', ...args], { env: { LIFEBOAT_CONFIG: configPath }, timeoutMs: 540_000 });
  return {
    client,
    kubeconfig,
    agentNamespace,
    work,
    fsRoot,
    configPath,
    node,
    created,
    lifeboat,
    restore: (backup, ...extra) =>
      lifeboat(
        ...['restore', 'create', `r-${backup}`, '--from-backup', backup, '--kubeconfig', kubeconfig],
        ...['--pod-volume-namespace', agentNamespace, ...extra],
      ),
    async close() {
      for (const name of created) {
        if (name.startsWith('pv:'))
          await client
            .json({ method: 'DELETE', path: `/api/v1/persistentvolumes/${name.slice(3)}` })
            .catch(() => undefined);
        else await deleteNamespace(client, name);
      }
      await node.remove();
      client.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}

/**
 * A Velero-made backup of pod `pod` in `namespace` with emptyDir `volumes`, each a volume tree the kopia
 * CLI snapshotted; returns each volume's source directory.
 */
export async function veleroMadePodBackup(
  env: VeleroMadeStandby,
  backup: string,
  namespace: string,
  pod: string,
  volumes: string[],
): Promise<Map<string, string>> {
  const sources = new Map<string, string>();
  const pvbs: object[] = [];
  for (const volume of volumes) {
    const dir = join(env.work, `${backup}-${volume}`);
    await writeVolumeTree(dir, `${backup}-${volume}`);
    sources.set(volume, dir);
    const snap = await veleroSnapshot(env.work, env.fsRoot, { namespace, pod, volume, dir });
    pvbs.push(veleroPodVolumeBackup(backup, { namespace, name: pod }, volume, snap));
  }
  await writePodVolumeBackup(env.fsRoot, backup, namespace, [backedUpPod(namespace, pod, volumes)], pvbs);
  return sources;
}
