import * as z from 'zod';
import { dictionarySchema } from '../model/index.ts';

/** The fields of a Pod that decide which of its volumes are backed up and where they are. */
export interface PodVolumeSource {
  name: string;
  hostPath?: unknown;
  persistentVolumeClaim?: { claimName: string } | undefined;
  csi?: unknown;
  emptyDir?: unknown;
  configMap?: unknown;
  secret?: unknown;
  projected?: unknown;
  downwardAPI?: unknown;
}

export interface PodForVolumes {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    annotations?: Record<string, string> | undefined;
  };
  spec: {
    nodeName?: string | undefined;
    volumes: PodVolumeSource[];
    containers: PodContainer[];
    initContainers: PodContainer[];
  };
  status?: { phase?: string | undefined } | undefined;
}

interface PodContainer {
  volumeMounts?: { name: string }[] | undefined;
  volumeDevices?: { name: string }[] | undefined;
}

function podSchema() {
  const container = z
    .object({
      volumeMounts: z.array(z.object({ name: z.string() }).loose()).optional(),
      volumeDevices: z.array(z.object({ name: z.string() }).loose()).optional(),
    })
    .loose();
  const volume = z
    .object({
      name: z.string().max(253),
      persistentVolumeClaim: z
        .object({ claimName: z.string().max(253) })
        .loose()
        .optional(),
    })
    .loose();
  return z
    .object({
      metadata: z
        .object({
          name: z.string().max(253),
          namespace: z.string().max(63),
          uid: z.string().max(128),
          annotations: dictionarySchema(z.string()).optional(),
        })
        .loose(),
      spec: z
        .object({
          nodeName: z.string().max(253).optional(),
          volumes: z.array(volume).default([]),
          containers: z.array(container).default([]),
          initContainers: z.array(container).default([]),
        })
        .loose(),
      status: z.object({ phase: z.string().optional() }).loose().optional(),
    })
    .loose();
}

let schema: ReturnType<typeof podSchema> | undefined;

/** A Pod read from a cluster (hostile until checked); throws zod's error when its shape is wrong. */
export function parsePodForVolumes(value: unknown): PodForVolumes {
  return (schema ??= podSchema()).parse(value);
}

/** The fields of a PersistentVolume that decide where its data is on the node. */
export interface VolumeFacts {
  name: string;
  csi: boolean;
  hostPath: boolean;
  block: boolean;
}

const PROVISIONED_BY = ['pv.kubernetes.io/provisioned-by', 'pv.kubernetes.io/migrated-to'];

/**
 * A PersistentVolume's facts. A PV counts as CSI when it has `spec.csi`, or (as Velero reads it) is
 * annotated as provisioned by or migrated to one of the cluster's CSI drivers.
 */
export function volumeFacts(pv: unknown, csiDrivers: ReadonlySet<string>): VolumeFacts | undefined {
  const parsed = z
    .object({
      metadata: z.object({ name: z.string(), annotations: dictionarySchema(z.string()).optional() }).loose(),
      spec: z
        .object({
          csi: z.unknown().optional(),
          hostPath: z.unknown().optional(),
          volumeMode: z.string().optional(),
        })
        .loose()
        .default({}),
    })
    .loose()
    .safeParse(pv);
  if (!parsed.success) return undefined;
  const { metadata, spec } = parsed.data;
  const annotations = metadata.annotations ?? {};
  const byDriver = PROVISIONED_BY.some((key) => {
    const driver = annotations[key];
    return driver !== undefined && csiDrivers.has(driver);
  });
  return {
    name: metadata.name,
    csi: spec.csi != null || byDriver,
    hostPath: spec.hostPath != null,
    block: spec.volumeMode === 'Block',
  };
}
