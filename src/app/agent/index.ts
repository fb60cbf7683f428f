// Use case: the node agent — takes the pod volume work of its node from the API server (lifeboat.io objects), runs it with the kopia engine on the kubelet's volume directories, and reports per object.
// It must never print or touch another node's work; everything it learns goes back through the objects' status.
export { type AgentOptions, NodeAgent, type NodeAgentRequest, startNodeAgent } from './agent.ts';
export { podVolumeBackupWorker } from './backup-worker.ts';
export { podVolumeRestoreWorker, restorePodVolume } from './restore-worker.ts';
export type { AgentWorker, WorkContext, WorkItem } from './worker.ts';
