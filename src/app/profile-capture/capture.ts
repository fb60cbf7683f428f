import type { KubeTarget } from '../../kube/index.ts';
import type { Attachment, ClusterProfile } from '../../profile/index.ts';
import { captureProfile, redactTree } from '../../profile/capture/index.ts';
import { connectCluster } from '../deps/cluster.ts';

/** Removes credentials anywhere in a profile before it is stored or printed (defence in depth). */
export function sanitizeProfile(profile: ClusterProfile): ClusterProfile {
  return redactTree(profile, []) as ClusterProfile;
}

/** Captures the profile of a live cluster. */
export async function captureClusterProfile(
  kube: KubeTarget,
  attachments: readonly Attachment[] = [],
): Promise<ClusterProfile> {
  const cluster = await connectCluster(kube);
  try {
    return sanitizeProfile(
      await captureProfile({
        client: cluster.client,
        server: cluster.server,
        version: cluster.version,
        context: kube.context,
        attachments,
      }),
    );
  } finally {
    cluster.close();
  }
}
