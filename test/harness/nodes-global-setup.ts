/**
 * Vitest global setup for the `nodes` project (test/nodes/): like the integration harness, plus one
 * real node (kubelet + containerd) and a kube-scheduler per cluster. Only tests that need a kubelet
 * live there, so other runs start no node.
 *
 * LIFEBOAT_NODES_HARNESS_STATE=DIR reuses a harness started by
 * `npm run harness -- up --state-dir DIR --clusters source,standby --nodes 1 --s3 --azure`.
 */
import type { TestProject } from 'vitest/node';
import { startForRun } from './global-setup.ts';

export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return startForRun(project, { reuseVariable: 'LIFEBOAT_NODES_HARNESS_STATE', nodes: 1 });
}
