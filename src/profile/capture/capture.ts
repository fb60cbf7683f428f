import {
  type ApiResource,
  discoverResources,
  type KubeClient,
  type ServerVersion,
} from '../../kube/index.ts';
import {
  type Attachment,
  type ClusterProfile,
  type CrdInfo,
  PROFILE_API_VERSION,
  PROFILE_KIND,
  type WebhookInfo,
} from '../schema.ts';
import { arr, rec, str, strings, ProfileReader, type Obj, type ProfileSource } from './kube-read.ts';
import { Reads, READS_EVERY_CAPTURE } from './reads.ts';
import { groupNodePools, isControlPlane, toProfileNode, uniqueSorted } from './nodes.ts';
import { captureNetwork } from './network.ts';
import {
  byName,
  captureArc,
  captureIngress,
  captureStorage,
  compareText,
  type LoadBalancerService,
} from './storage.ts';
import { nullObject } from '../../model/index.ts';

export interface CaptureInput {
  client: KubeClient;
  server: string;
  version: ServerVersion;
  context?: string | undefined;
  /** Discovery already done by the caller (a backup); discovered here otherwise. */
  resources?: readonly ApiResource[] | undefined;
  attachments?: readonly Attachment[] | undefined;
  backup?: string | undefined;
  /** LoadBalancer Services already read by the caller (a backup sees the Services it stores). */
  loadBalancerServices?: readonly LoadBalancerService[] | undefined;
  /** Where reads are answered without a request (a backup's own listing). */
  source?: ProfileSource | undefined;
  now?: Date;
}

/**
 * The cluster's profile, read through the Kubernetes API only. Tolerant: what the cluster does not
 * serve, or the identity may not read, is listed in `absent` and the capture goes on.
 */
export async function captureProfile(input: CaptureInput): Promise<ClusterProfile> {
  const resources = input.resources ?? (await discoverResources(input.client)).resources;
  const apiVersions = uniqueSorted(
    resources.flatMap((r) => r.versions.map((v) => (r.group ? `${r.group}/${v}` : v))),
  );
  const reader = new ProfileReader(input.client, new Set(apiVersions), input.source);
  // One round trip for the reads below instead of one after another (they are still taken in order).
  reader.prefetch(
    input.loadBalancerServices === undefined ? [...READS_EVERY_CAPTURE, Reads.services] : READS_EVERY_CAPTURE,
  );
  const kinds = uniqueSorted(
    resources.flatMap((r) => r.versions.map((v) => `${r.group ? `${r.group}/${v}` : v}/${r.kind}`)),
  );

  const nodeObjs = await reader.list(Reads.nodes);
  const nodes = nodeObjs.map(toProfileNode);
  const annotations = new Map(nodeObjs.map((n) => [n.metadata.name, n.metadata.annotations ?? {}]));
  const controlPlaneNodes = nodes.filter(isControlPlane);
  const workers = nodes.filter((n) => !isControlPlane(n));
  const net = await captureNetwork(reader, nodeObjs);
  const crds = await reader.list(Reads.crds);
  const webhooks = [...(await webhookList(reader, 'mutating')), ...(await webhookList(reader, 'validating'))];
  const priorityClasses = await reader.list(Reads.priorityClasses);
  const storage = await captureStorage(reader);
  const ingress = await captureIngress(reader, input.loadBalancerServices);
  const arc = await captureArc(reader);
  const minor = Number.parseInt(input.version.minor, 10);
  const profile: ClusterProfile = {
    apiVersion: PROFILE_API_VERSION,
    kind: PROFILE_KIND,
    metadata: {
      capturedAt: (input.now ?? new Date()).toISOString(),
      source: input.server,
      context: input.context,
      origin: 'cluster',
      backup: input.backup,
      platform: 'generic',
    },
    kubernetes: {
      gitVersion: input.version.gitVersion,
      minor: Number.isNaN(minor) ? undefined : minor,
      kubeletVersions: uniqueSorted(nodes.map((n) => n.kubeletVersion)),
      apiVersions,
      kinds,
      crds: crds.map(toCrd).sort(byName),
      webhooks,
      priorityClasses: priorityClasses
        .map((p) => ({
          name: p.metadata.name,
          value: typeof p['value'] === 'number' ? p['value'] : 0,
          globalDefault: p['globalDefault'] === true ? true : undefined,
        }))
        .sort(byName),
    },
    controlPlane: {
      nodeCount: controlPlaneNodes.length,
      nodes: controlPlaneNodes.sort(byName),
      kubeadmClusterConfiguration: net.kubeadm,
      endpoint: net.endpoint,
    },
    nodePools: groupNodePools(workers, annotations),
    network: net.network,
    storage,
    ingress,
    arc,
    attachments: [...(input.attachments ?? [])],
    absent: reader.absent,
  };
  if (nodes.length === 0 && !reader.absent.some((a) => a.what === 'Nodes'))
    profile.absent.push({ what: 'Nodes', reason: 'the cluster has no Node objects' });
  profile.metadata.platform = detectPlatform(profile, nodeObjs);
  return profile;
}

export function toCrd(crd: Obj): CrdInfo {
  const spec = rec(crd.spec);
  return {
    name: crd.metadata.name,
    group: str(spec['group']) ?? '',
    kind: str(rec(spec['names'])['kind']) ?? '',
    scope: str(spec['scope']),
    versions: arr(spec['versions']).map((v) => {
      const r = rec(v);
      return { name: str(r['name']) ?? '', served: r['served'] === true, storage: r['storage'] === true };
    }),
  };
}

export function toWebhooks(config: Obj, type: 'mutating' | 'validating'): WebhookInfo[] {
  return arr(config['webhooks']).map((w) => {
    const r = rec(w);
    const cc = rec(r['clientConfig']);
    const svc = rec(cc['service']);
    const target = str(svc['name'])
      ? `${str(svc['namespace']) ?? 'default'}/${str(svc['name'])}:${typeof svc['port'] === 'number' ? svc['port'] : 443}`
      : str(cc['url'])
        ? 'url'
        : undefined;
    return {
      type,
      configuration: config.metadata.name,
      name: str(r['name']) ?? '',
      failurePolicy: str(r['failurePolicy']),
      target,
      rules: arr(r['rules']).map((rule) => {
        const x = rec(rule);
        return {
          operations: strings(x['operations']),
          apiGroups: strings(x['apiGroups']),
          apiVersions: strings(x['apiVersions']),
          resources: strings(x['resources']),
          scope: str(x['scope']),
        };
      }),
    };
  });
}

async function webhookList(reader: ProfileReader, type: 'mutating' | 'validating'): Promise<WebhookInfo[]> {
  const configs = await reader.list(type === 'mutating' ? Reads.mutatingWebhooks : Reads.validatingWebhooks);
  return configs
    .flatMap((c) => toWebhooks(c, type))
    .sort((a, b) => compareText(`${a.configuration}/${a.name}`, `${b.configuration}/${b.name}`));
}

/** What the cluster looks like it runs on, from labels, drivers and config maps (spec §4). */
export function detectPlatform(profile: ClusterProfile, nodes: readonly Obj[]): string {
  const labels = nodes.map((n) => n.metadata.labels ?? nullObject<string>());
  const annotations = nodes.map((n) => n.metadata.annotations ?? nullObject<string>());
  const hasLabel = (key: string) => labels.some((l) => Object.hasOwn(l, key));
  if (
    profile.attachments.some((a) => a.kind.startsWith('aks-hci')) ||
    profile.storage.csiDrivers.some((d) => d.name.endsWith('.csi.akshci.com')) ||
    profile.storage.storageClasses.some((s) => s.provisioner.endsWith('.csi.akshci.com'))
  )
    return 'aks-hci';
  if (hasLabel('kubernetes.azure.com/agentpool') || hasLabel('kubernetes.azure.com/cluster')) return 'aks';
  if (hasLabel('eks.amazonaws.com/nodegroup') || hasLabel('alpha.eksctl.io/nodegroup-name')) return 'eks';
  if (hasLabel('cloud.google.com/gke-nodepool')) return 'gke';
  if (annotations.some((a) => Object.hasOwn(a, 'rke2.io/node-args'))) return 'rke2';
  if (annotations.some((a) => Object.hasOwn(a, 'k3s.io/node-args'))) return 'k3s';
  if (profile.controlPlane.kubeadmClusterConfiguration !== undefined) return 'kubeadm';
  return 'generic';
}
