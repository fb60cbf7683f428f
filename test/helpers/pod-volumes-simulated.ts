/**
 * The set-up the simulated-node pod volume tests share: the harness's locations (filesystem, S3,
 * Azure), lifeboat's pod volume CRDs and an agents' namespace of the test's own in each cluster used,
 * one made-up node per cluster with `lifeboat agent` for it as a child process, and the CLI with that
 * namespace; `sidecar` reads what a backup stored on the filesystem location.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.ts';
import type { HarnessEnv } from '../harness/harness.ts';
import { type CliResult, runCli } from './cli.ts';
import { uniqueName } from './kube.ts';
import { createLocations, type LocationsFixture } from './locations.ts';
import {
  type AgentProcess,
  createNamespace,
  deleteNamespace,
  installPodVolumeCrds,
  type SimulatedNode,
  simulatedNode,
  startAgentProcess,
} from './pod-volumes.ts';

export interface SimulatedCluster {
  kubeconfig: string;
  client: KubeClient;
  node: SimulatedNode;
  /** The agent process of the node, while one runs. */
  agent: AgentProcess | undefined;
  /** Starts (another) agent process for the node; it becomes `agent`. */
  startAgent(): AgentProcess;
}

export interface SimulatedPodVolumes {
  locations: LocationsFixture;
  /** The agents' namespace (lifeboat's, for this test alone). */
  agentNs: string;
  clusters: Map<string, SimulatedCluster>;
  /** The first cluster given. */
  first: SimulatedCluster;
  lifeboat(...args: string[]): Promise<CliResult>;
  /** `backup create NAME --include-namespaces NS` on the first cluster. */
  backup(name: string, namespace: string, ...extra: string[]): Promise<CliResult>;
  /** `backups/<b>/<b>-<file>` of the filesystem location, gunzipped and parsed. */
  sidecar(backup: string, file: string): Promise<unknown>;
  /** Stops the agents, deletes the namespaces (and the agents') and the nodes, removes the locations. */
  close(namespaces: string[]): Promise<void>;
}

/** Sets up the clusters named (each gets a node and a running agent; `agents: false` starts none). */
export async function simulatedPodVolumes(
  harness: HarnessEnv,
  prefix: string,
  options: { clusters?: string[]; agents?: boolean } = {},
): Promise<SimulatedPodVolumes> {
  const locations = await createLocations(harness);
  const agentNs = uniqueName(`lb-${prefix}`);
  const clusters = new Map<string, SimulatedCluster>();
  for (const name of options.clusters ?? ['source']) {
    const kubeconfig = harness.clusters[name]?.kubeconfig;
    if (kubeconfig === undefined) throw new Error(`the harness has no cluster ${name}`);
    const client = new KubeClient(loadKubeConfig({ kubeconfig }));
    await installPodVolumeCrds(client);
    await createNamespace(client, agentNs);
    const node = await simulatedNode(client, uniqueName(`sim-${prefix}`));
    const cluster: SimulatedCluster = {
      kubeconfig,
      client,
      node,
      agent: undefined,
      startAgent() {
        cluster.agent = startAgentProcess({
          nodeName: node.name,
          hostPods: node.hostPods,
          namespace: agentNs,
          kubeconfig,
          env: locations.env,
        });
        return cluster.agent;
      },
    };
    if (options.agents !== false) cluster.startAgent();
    clusters.set(name, cluster);
  }
  const first = [...clusters.values()][0];
  if (first === undefined) throw new Error('no cluster');
  const lifeboat = (...args: string[]) =>
    runCli(['--log-level', 'error', ...args], {
      env: { ...locations.env, LIFEBOAT_NAMESPACE: agentNs },
      timeoutMs: 540_000,
    });
  return {
    locations,
    agentNs,
    clusters,
    first,
    lifeboat,
    backup: (name, namespace, ...extra) =>
      lifeboat(
        'backup',
        'create',
        name,
        '--kubeconfig',
        first.kubeconfig,
        '--include-namespaces',
        namespace,
        ...extra,
      ),
    async sidecar(backup, file) {
      const path = join(locations.fsRoot, 'backups', backup, `${backup}-${file}`);
      return JSON.parse(gunzipSync(await readFile(path)).toString('utf8')) as unknown;
    },
    async close(namespaces) {
      for (const cluster of clusters.values()) {
        await cluster.agent?.stop();
        for (const ns of [...namespaces, agentNs]) await deleteNamespace(cluster.client, ns);
        await cluster.node.remove();
        cluster.client.close();
      }
      await locations.cleanup();
    },
  };
}
