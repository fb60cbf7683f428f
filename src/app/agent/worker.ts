import type { KubeClient } from '../../kube/index.ts';
import type { Logger } from '../../log/index.ts';
import type { PodVolumeProgress } from '../../model/index.ts';

/** What a worker's job gets while it runs on this node. */
export interface WorkContext {
  client: KubeClient;
  nodeName: string;
  /** Where the kubelet's pods directory is seen by the agent (/host_pods in the DaemonSet). */
  hostPods: string;
  /** lifeboat's config file (the locations and their credentials). */
  configPath: string | undefined;
  logger: Logger;
  /** Aborted when the agent stops, or the object is canceled or deleted. */
  signal: AbortSignal;
  /** The latest progress; the agent sends it to the API server at most every progress period. */
  progress(progress: PodVolumeProgress): void;
}

/** One object this node's agent may take. */
export interface WorkItem {
  name: string;
  /** The object as read, sent back with the claim (its resourceVersion decides who wins). */
  object: { metadata: { name?: string | undefined; resourceVersion?: string | undefined } };
  phase: string | undefined;
  cancel: boolean;
  /**
   * This node's work, not ready to be taken yet (a restore's pod is on this node but its restore-wait
   * init container has not started): the agent looks again soon instead of at its next poll.
   */
  pending?: boolean;
  /** Status fields written with InProgress, besides the phase and timestamps (e.g. a restore's node). */
  claimStatus?: Record<string, unknown>;
  /** Does the work; returns the status fields of the Completed object. Throws to fail it. */
  run(ctx: WorkContext): Promise<Record<string, unknown>>;
}

/** What a worker's choice of objects may look at: the cluster, and this node's pods directory. */
export interface SelectContext {
  client: KubeClient;
  nodeName: string;
  /** Where the kubelet's pods directory is seen by the agent. */
  hostPods: string;
  logger: Logger;
}

/** A kind of work (pod volume backups, restores) the agent takes from the API server. */
export interface AgentWorker {
  /** The plural resource name in lifeboat.io/v1alpha1. */
  resource: string;
  /**
   * The work item of an object when it belongs to this node (a backup: spec.node; a restore: the
   * node its pod runs on), undefined otherwise or when the object cannot be read.
   */
  select(raw: unknown, ctx: SelectContext): Promise<WorkItem | undefined>;
}
