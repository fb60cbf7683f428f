import * as z from 'zod';
import { LifeboatError } from '../errors/index.ts';
import { dictionarySchema } from '../model/index.ts';
import { ObjectivesSchema } from './drills.ts';
import { ClusterNameSchema, DNS_LABEL } from './names.ts';

/**
 * The fleet in the config file: the clusters lifeboat protects (`clusters:`) and where more are
 * discovered (`fleet:`). A cluster is known by its identity, the UID of its kube-system namespace,
 * recorded when it is added: two entries with one identity are one cluster.
 */

export { ClusterNameSchema };

/** A label key or value as Kubernetes allows them (prefix/name, at most 63 characters a part). */
const labelKey = z
  .string()
  .max(253)
  .regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'a label key');
const labelValue = z
  .string()
  .max(63)
  .regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/, 'a label value');

/**
 * A cluster's prefix inside its location, Velero's BSL `prefix` (appended to the location's own):
 * relative folder names without `.`/`..`, no empty segments.
 */
export const ClusterPrefixSchema = z
  .string()
  .max(512)
  .transform((p) => p.replace(/^\/+|\/+$/g, ''))
  .refine(
    (p) => p !== '' && p.split('/').every((s) => s !== '' && s !== '.' && s !== '..' && !/[\\\0]/.test(s)),
    'a relative folder path such as clusters/prod-a (no empty, "." or ".." parts)',
  );

const KubeconfigRefSchema = z
  .object({
    kubeconfig: z.string().min(1, 'the path of a kubeconfig file'),
    context: z.string().min(1).optional(),
  })
  .strict();

export const ClusterEntrySchema = z
  .object({
    name: ClusterNameSchema,
    kubeconfig: z.string().min(1, 'the path of a kubeconfig file'),
    context: z.string().min(1).optional(),
    labels: dictionarySchema(labelValue)
      .superRefine((labels, ctx) => {
        for (const key of Object.keys(labels))
          if (!labelKey.safeParse(key).success)
            ctx.addIssue({ code: 'custom', path: [key], message: `'${key}' is not a label key` });
      })
      .optional(),
    /** The cold standby this cluster is restored into. */
    standby: KubeconfigRefSchema.optional(),
    /** Its own storage location (default: the default location). */
    location: z.string().optional(),
    /** Its prefix inside the location (default: clusters/<name>). */
    prefix: ClusterPrefixSchema.optional(),
    /** The identity recorded by `cluster add`: the UID of the cluster's kube-system namespace. */
    uid: z.string().max(128).optional(),
    /**
     * `management` marks the site's management cluster (the AKS host) when no discovery names it
     * (`fleet.managementCluster` makes its entry the management cluster by itself); default workload.
     */
    role: z.enum(['management', 'workload']).optional(),
    /** Recovery objectives its DR drills are held to (drills.ts). */
    objectives: ObjectivesSchema.optional(),
  })
  .strict();
export type ClusterEntry = z.infer<typeof ClusterEntrySchema>;

/**
 * Which clusters of the fleet a schedule backs up (lifeboat's field beside Velero's Schedule spec,
 * which has no notion of a cluster): named clusters, or a label selector over the clusters' labels.
 * A schedule without it backs up the server's own cluster, as before.
 */
export const ScheduleClustersSchema = z.union([
  z.object({ names: z.array(ClusterNameSchema).min(1).max(10_000) }).strict(),
  z.object({ selector: z.string().min(1).max(1024) }).strict(),
]);
export type ScheduleClusters = z.infer<typeof ScheduleClustersSchema>;

export const FleetSchema = z
  .object({
    /** The cluster (an entry of `clusters:`) holding Cluster API objects and kubeconfig Secrets. */
    managementCluster: ClusterNameSchema,
    discover: z
      .object({
        /** Cluster API `clusters.cluster.x-k8s.io` objects and their `<name>-kubeconfig` Secrets. */
        clusterApi: z.boolean().default(true),
        /** Secrets holding a kubeconfig (key `value` or `kubeconfig`), by label selector. */
        secretSelector: z.string().max(1024).optional(),
        /** Only these namespaces of the management cluster (default: all). */
        namespaces: z.array(z.string().regex(DNS_LABEL).max(63)).max(1000).optional(),
      })
      .strict()
      .default({ clusterApi: true }),
  })
  .strict();
export type Fleet = z.infer<typeof FleetSchema>;

export const ClusterListSchema = z.array(ClusterEntrySchema).superRefine((list, ctx) => {
  const names = new Set<string>();
  const uids = new Map<string, string>();
  const places = new Map<string, string>();
  let management: string | undefined;
  for (const [i, c] of list.entries()) {
    if (c.role === 'management') {
      if (management !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [i, 'role'],
          message: `clusters '${management}' and '${c.name}' are both marked management: a site has one`,
        });
      management ??= c.name;
    }
    if (names.has(c.name)) {
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `cluster '${c.name}' is listed twice` });
      continue;
    }
    names.add(c.name);
    // Two clusters at one prefix would mix their backups (and Velero at that prefix would see both).
    const place = `${c.location ?? ''}\n${c.prefix ?? defaultClusterPrefix(c.name)}`;
    const sharing = places.get(place);
    if (sharing !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: [i, 'prefix'],
        message: `clusters '${sharing}' and '${c.name}' would share the prefix ${c.prefix ?? defaultClusterPrefix(c.name)}`,
      });
    places.set(place, c.name);

    if (c.uid === undefined) continue;
    const other = uids.get(c.uid);
    if (other !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: [i, 'uid'],
        message: `clusters '${other}' and '${c.name}' are the same cluster (identity ${c.uid})`,
      });
    uids.set(c.uid, c.name);
  }
});

/** The folder of a location where clusters' own prefixes are by default. */
export const CLUSTERS_FOLDER = 'clusters';

/** The default prefix of a cluster's backups inside its location. */
export function defaultClusterPrefix(name: string): string {
  return `${CLUSTERS_FOLDER}/${name}`;
}

interface WithClusters {
  path?: string;
  clusters?: ClusterEntry[] | undefined;
}

/** The named cluster entry; CONFIG error naming the known ones when there is none. */
export function findCluster(config: WithClusters, name: string): ClusterEntry {
  const found = config.clusters?.find((c) => c.name === name);
  if (found !== undefined) return found;
  const known = (config.clusters ?? []).map((c) => c.name);
  throw new LifeboatError(
    'NOT_FOUND',
    `no cluster named '${name}'${config.path === undefined ? '' : ` in ${config.path}`}`,
    {
      hint:
        known.length === 0
          ? 'add one with: lifeboat cluster add NAME --kubeconfig FILE'
          : `known clusters: ${known.join(', ')}`,
    },
  );
}

/**
 * Adds a cluster entry: refused when the name is taken, or when its identity is already another
 * entry's (a renamed entry pointing at the same cluster is the same cluster).
 */
export function addClusterEntry<C extends WithClusters>(config: C, entry: ClusterEntry): C {
  const list = config.clusters ?? [];
  if (list.some((c) => c.name === entry.name))
    throw new LifeboatError('ALREADY_EXISTS', `cluster '${entry.name}' already exists`, {
      hint: `choose another name, or remove it first with: lifeboat cluster remove ${entry.name}`,
    });
  const management = list.find((c) => c.role === 'management');
  if (entry.role === 'management' && management !== undefined)
    throw new LifeboatError(
      'ALREADY_EXISTS',
      `cluster '${management.name}' is already the site's management cluster`,
      { hint: 'a site has one management cluster: add this one without --role management' },
    );
  const same = entry.uid === undefined ? undefined : list.find((c) => c.uid === entry.uid);
  if (same !== undefined)
    throw new LifeboatError(
      'ALREADY_EXISTS',
      `cluster '${entry.name}' is the cluster already added as '${same.name}' (identity ${same.uid ?? ''})`,
      { hint: `use the name '${same.name}', or remove it first with: lifeboat cluster remove ${same.name}` },
    );
  return { ...config, clusters: [...list, entry] };
}

/** Removes a cluster entry (its backups are never touched); NOT_FOUND if unknown. */
export function removeClusterEntry<C extends WithClusters>(config: C, name: string): C {
  findCluster(config, name);
  return { ...config, clusters: (config.clusters ?? []).filter((c) => c.name !== name) };
}
