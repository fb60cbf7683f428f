import { getOrUndefined, type KubeClient } from '../../kube/index.ts';
import { type PodForVolumes, volumeFacts, type VolumeFacts } from '../../podvolumes/index.ts';

/** A pod's claims as file-system backup needs them: the bound PV's facts and the claim's UID. */
export interface PodClaims {
  volumes: Map<string, VolumeFacts>;
  uids: Map<string, string>;
}

const MAX_CLAIMS = 256;

/**
 * The PV facts of a pod's claims (those its volumes name), read from the cluster; CSI-ness also
 * from the cluster's CSIDrivers, as Velero reads it. A claim that is not bound has no entry.
 */
export async function podClaims(client: KubeClient, pod: PodForVolumes): Promise<PodClaims> {
  const out: PodClaims = { volumes: new Map(), uids: new Map() };
  const claims = [
    ...new Set(
      pod.spec.volumes.flatMap((v) => (v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : [])),
    ),
  ].slice(0, MAX_CLAIMS);
  if (claims.length === 0) return out;
  const drivers = await client
    .json<{ items?: { metadata?: { name?: string } }[] }>({
      path: '/apis/storage.k8s.io/v1/csidrivers',
      retries: 2,
    })
    .then((l) => new Set((l.items ?? []).flatMap((d) => (d.metadata?.name ? [d.metadata.name] : []))))
    .catch(() => new Set<string>());
  const ns = encodeURIComponent(pod.metadata.namespace);
  for (const claim of claims) {
    const pvc = await getOrUndefined<{ metadata?: { uid?: string }; spec?: { volumeName?: string } }>(
      client,
      {
        path: `/api/v1/namespaces/${ns}/persistentvolumeclaims/${encodeURIComponent(claim)}`,
      },
    );
    const uid = pvc?.metadata?.uid;
    if (typeof uid === 'string') out.uids.set(claim, uid);
    const pvName = pvc?.spec?.volumeName;
    if (typeof pvName !== 'string' || pvName === '') continue;
    const pv = await getOrUndefined<unknown>(client, {
      path: `/api/v1/persistentvolumes/${encodeURIComponent(pvName)}`,
    });
    const facts = pv === undefined ? undefined : volumeFacts(pv, drivers);
    if (facts !== undefined) out.volumes.set(claim, facts);
  }
  return out;
}
