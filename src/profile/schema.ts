import * as z from 'zod';
import { dictionarySchema } from '../model/index.ts';

/**
 * The cluster profile: what a Velero backup lacks to rebuild the cluster it came from (control plane,
 * node pools, network, storage, admission, attached platform configuration). Stored with every
 * backup as `<name>-cluster-profile.json.gz`. Versioned: readers refuse other apiVersions.
 */
export const PROFILE_API_VERSION = 'lifeboat.io/v1alpha1';
export const PROFILE_KIND = 'ClusterProfile';

export const AttachmentKinds = [
  'aks-hci-config',
  'aks-hci-cluster',
  'aks-hci-nodepool',
  'aks-hci-network',
] as const;
export type AttachmentKind = (typeof AttachmentKinds)[number];

/**
 * The schemas that read a stored or saved profile, built on first use: capturing and storing a
 * profile (every backup) never builds them — zod schemas cost start-up time to construct.
 */
// eslint-disable-next-line max-lines-per-function -- declarative schema builder
function buildSchemas() {
  const StringMap = dictionarySchema(z.string());

  const TaintSchema = z.object({
    key: z.string(),
    value: z.string().optional(),
    effect: z.string(),
  });

  const CapacitySchema = z.object({
    /** CPU cores (fractional from millicores). */
    cpu: z.number().optional(),
    /** Memory in bytes. */
    memoryBytes: z.number().optional(),
    pods: z.number().optional(),
  });

  const NodeSchema = z.object({
    name: z.string(),
    instanceType: z.string().optional(),
    capacity: CapacitySchema,
    os: z.string().optional(),
    arch: z.string().optional(),
    osImage: z.string().optional(),
    kubeletVersion: z.string().optional(),
    containerRuntime: z.string().optional(),
    zone: z.string().optional(),
    region: z.string().optional(),
    ready: z.boolean().optional(),
    labels: StringMap,
    taints: z.array(TaintSchema),
  });

  const NodePoolSchema = z.object({
    name: z.string(),
    /** How the nodes were grouped: `label:<key>`, `annotation:<key>`, or `shape` (instance type + OS + taints). */
    groupedBy: z.string(),
    count: z.number(),
    instanceType: z.string().optional(),
    /** Capacity of one node (the smallest node of the pool when they differ). */
    capacity: CapacitySchema,
    os: z.string().optional(),
    arch: z.string().optional(),
    osImage: z.string().optional(),
    kubeletVersions: z.array(z.string()),
    /** Taints every node of the pool has. */
    taints: z.array(TaintSchema),
    /** Labels every node of the pool has (per-node labels such as the hostname left out). */
    labels: StringMap,
    zones: z.array(z.string()),
    nodes: z.array(z.string()),
  });

  const StorageClassSchema = z.object({
    name: z.string(),
    provisioner: z.string(),
    isDefault: z.boolean(),
    parameters: StringMap,
    reclaimPolicy: z.string().optional(),
    volumeBindingMode: z.string().optional(),
    allowVolumeExpansion: z.boolean().optional(),
  });

  const WebhookSchema = z.object({
    type: z.enum(['mutating', 'validating']),
    configuration: z.string(),
    name: z.string(),
    failurePolicy: z.string().optional(),
    /** `namespace/name:port` of the service, or `url` when the webhook calls a URL. */
    target: z.string().optional(),
    rules: z.array(
      z.object({
        operations: z.array(z.string()),
        apiGroups: z.array(z.string()),
        apiVersions: z.array(z.string()),
        resources: z.array(z.string()),
        scope: z.string().optional(),
      }),
    ),
  });

  const CrdSchema = z.object({
    name: z.string(),
    group: z.string(),
    kind: z.string(),
    scope: z.string().optional(),
    versions: z.array(z.object({ name: z.string(), served: z.boolean(), storage: z.boolean() })),
  });

  /** A value and where it was read from (`kube-system/kubeadm-config ClusterConfiguration.networking.podSubnet`). */
  const SourcedSchema = z.object({ value: z.string(), source: z.string() });

  const AttachmentSchema = z.object({
    kind: z.enum(AttachmentKinds),
    /** Base name of the file it was read from. */
    fileName: z.string(),
    encoding: z.string(),
    importedAt: z.string(),
    /** Paths of values replaced by [REDACTED] before storing. */
    redacted: z.array(z.string()),
    /** What the importer had to interpret (enum numbers, string-or-array values). */
    notes: z.array(z.string()),
    /** Paths of values ConvertTo-Json cut down to a type name (its -Depth): not in the profile. */
    truncated: z.array(z.string()).optional(),
    /** The document as exported, secrets redacted, keys as written. */
    data: z.unknown(),
  });

  const ClusterProfileSchema = z.object({
    apiVersion: z.literal(PROFILE_API_VERSION),
    kind: z.literal(PROFILE_KIND),
    metadata: z.object({
      capturedAt: z.string(),
      /** API server URL, or `backup <name> (derived)` for a profile derived from backup contents. */
      source: z.string(),
      context: z.string().optional(),
      /** `cluster` (captured through the API) or `backup-contents` (derived from a Velero backup). */
      origin: z.enum(['cluster', 'backup-contents']),
      backup: z.string().optional(),
      /** The platform the cluster looks like: aks-hci, aks, eks, gke, k3s, rke2, kubeadm, generic. */
      platform: z.string(),
    }),
    kubernetes: z.object({
      gitVersion: z.string().optional(),
      minor: z.number().optional(),
      kubeletVersions: z.array(z.string()),
      /** Served group versions (`v1`, `apps/v1`). */
      apiVersions: z.array(z.string()),
      /** Served `apiVersion/Kind` pairs, the resource-list keys of a backup. */
      kinds: z.array(z.string()),
      crds: z.array(CrdSchema),
      webhooks: z.array(WebhookSchema),
      priorityClasses: z.array(
        z.object({ name: z.string(), value: z.number(), globalDefault: z.boolean().optional() }),
      ),
    }),
    controlPlane: z.object({
      nodeCount: z.number(),
      nodes: z.array(NodeSchema),
      /** kube-system/kubeadm-config `ClusterConfiguration`, parsed, when the cluster was made by kubeadm. */
      kubeadmClusterConfiguration: dictionarySchema(z.unknown()).optional(),
      endpoint: SourcedSchema.optional(),
    }),
    nodePools: z.array(NodePoolSchema),
    network: z.object({
      podCIDRs: z.array(SourcedSchema),
      serviceCIDR: SourcedSchema.optional(),
      kubernetesServiceIP: z.string().optional(),
      dnsServiceIP: SourcedSchema.optional(),
      dnsDomain: SourcedSchema.optional(),
      cni: z.array(SourcedSchema),
      kubeProxyMode: SourcedSchema.optional(),
    }),
    storage: z.object({
      storageClasses: z.array(StorageClassSchema),
      csiDrivers: z.array(
        z.object({
          name: z.string(),
          attachRequired: z.boolean().optional(),
          fsGroupPolicy: z.string().optional(),
        }),
      ),
      volumeSnapshotClasses: z.array(
        z.object({ name: z.string(), driver: z.string(), deletionPolicy: z.string().optional() }),
      ),
      /** StorageClasses the backed-up PVCs ask for (`""` = no class), with how many PVCs. */
      usedByBackup: z
        .array(z.object({ storageClass: z.string(), pvcs: z.number(), namespaces: z.array(z.string()) }))
        .optional(),
    }),
    ingress: z.object({
      classes: z.array(z.object({ name: z.string(), controller: z.string(), isDefault: z.boolean() })),
      loadBalancerServices: z.array(
        z.object({
          namespace: z.string(),
          name: z.string(),
          loadBalancerClass: z.string().optional(),
          addresses: z.array(z.string()),
        }),
      ),
    }),
    /** Azure Arc linkage (ConfigMap azure-arc/azure-clusterconfig), when the cluster is Arc-connected. */
    arc: StringMap.optional(),
    attachments: z.array(AttachmentSchema),
    /** What could not be captured, and why (`VolumeSnapshotClasses: snapshot.storage.k8s.io not served`). */
    absent: z.array(z.object({ what: z.string(), reason: z.string() })),
  });
  return {
    TaintSchema,
    CapacitySchema,
    NodeSchema,
    NodePoolSchema,
    StorageClassSchema,
    WebhookSchema,
    CrdSchema,
    SourcedSchema,
    AttachmentSchema,
    ClusterProfileSchema,
  };
}

type Schemas = ReturnType<typeof buildSchemas>;
let schemas: Schemas | undefined;

/** The whole profile, as readers validate it. */
export function clusterProfileSchema(): Schemas['ClusterProfileSchema'] {
  schemas ??= buildSchemas();
  return schemas.ClusterProfileSchema;
}

export type Taint = z.infer<Schemas['TaintSchema']>;
export type Capacity = z.infer<Schemas['CapacitySchema']>;
export type ProfileNode = z.infer<Schemas['NodeSchema']>;
export type NodePool = z.infer<Schemas['NodePoolSchema']>;
export type StorageClassInfo = z.infer<Schemas['StorageClassSchema']>;
export type WebhookInfo = z.infer<Schemas['WebhookSchema']>;
export type CrdInfo = z.infer<Schemas['CrdSchema']>;
export type Sourced = z.infer<Schemas['SourcedSchema']>;
export type Attachment = z.infer<Schemas['AttachmentSchema']>;
export type ClusterProfile = z.infer<Schemas['ClusterProfileSchema']>;
