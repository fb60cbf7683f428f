import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import * as z from 'zod';
import { LifeboatError } from '../errors/index.ts';
import { parseConfigYaml, readConfigText } from './config-yaml.ts';
import {
  dictionarySchema,
  firstReservedLabel,
  type Location,
  LocationSchema,
  nullObject,
} from '../model/index.ts';
import { GoDurationSchema } from './duration.ts';
import { DrillScheduleListSchema } from './drills.ts';
import { globListProblem } from '../selection/index.ts';
import { ClusterListSchema, FleetSchema, ScheduleClustersSchema } from './clusters.ts';
import { BackupHooksSchema } from './backup-hooks.ts';

export const CONFIG_API_VERSION = 'lifeboat.io/v1alpha1';
export const CONFIG_KIND = 'Config';

const goDuration = GoDurationSchema;
const count = z.number().int().min(0).max(100_000);

/** An include or exclude filter: namespace or resource globs (Velero's syntax), bounded in size. */
export const PatternListSchema = z.array(z.string()).superRefine((patterns, ctx) => {
  const problem = globListProblem(patterns);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/** What a scheduled (or ad-hoc API) backup includes: the `backup create` filters. */
export const BackupTemplateSchema = z
  .object({
    includedNamespaces: PatternListSchema.optional(),
    excludedNamespaces: PatternListSchema.optional(),
    includedResources: PatternListSchema.optional(),
    excludedResources: PatternListSchema.optional(),
    labelSelector: z.string().optional(),
    includeClusterResources: z.boolean().optional(),
    /** Velero's spec.defaultVolumesToFsBackup: every pod volume by file-system backup unless opted out. */
    defaultVolumesToFsBackup: z.boolean().optional(),
    /** How long the pod volumes may take together (Go duration; lifeboat's, default 4h). */
    podVolumeTimeout: goDuration.optional(),
    /** Velero's spec.hooks: exec hooks run on the pods the backup takes, by namespace, resource and labels. */
    hooks: BackupHooksSchema.optional(),
    labels: dictionarySchema(z.string())
      .superRefine((labels, ctx) => {
        const reserved = firstReservedLabel(labels);
        if (reserved !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [reserved.key],
            message: `label '${reserved.key}' is reserved: ${reserved.reason}`,
          });
      })
      .optional(),
  })
  .strict();
export type BackupTemplate = z.infer<typeof BackupTemplateSchema>;

/** A schedule, as stored in the config file and served by `lifeboat server` (one schema for both). */
export const ScheduleSchema = z
  .object({
    name: z
      .string()
      .max(63, 'at most 63 characters (it becomes a label value)')
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'lower-case letters, digits and "-" (a DNS label)'),
    /** Cron: 5 or 6 fields, @daily…, @every 6h, optional CRON_TZ= prefix. */
    schedule: z.string().min(1),
    timezone: z.string().optional(),
    paused: z.boolean().optional(),
    ttl: goDuration.optional(),
    rpo: goDuration.optional(),
    catchUp: z.enum(['latest', 'none']).optional(),
    retention: z
      .object({
        keepLast: count.optional(),
        within: goDuration.optional(),
        hourly: count.optional(),
        daily: count.optional(),
        weekly: count.optional(),
        monthly: count.optional(),
        yearly: count.optional(),
      })
      .strict()
      .optional(),
    storageLocation: z.string().optional(),
    /** Clusters of the fleet it backs up, each under its own prefix (default: the server's own cluster). */
    clusters: ScheduleClustersSchema.optional(),
    template: BackupTemplateSchema.optional(),
    /**
     * Platform configuration stored in each backup's cluster profile (`backup create --attach
     * KIND=FILE`): the file is read at every run, a relative path from the config file's directory.
     */
    attachments: z
      .array(
        z
          .object({
            kind: z.string().regex(/^[a-z0-9-]+$/, 'an attachment kind such as aks-hci-config'),
            file: z.string().min(1),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();
export type Schedule = z.infer<typeof ScheduleSchema>;

export const ConfigFileSchema = z
  .object({
    apiVersion: z.literal(CONFIG_API_VERSION),
    kind: z.literal(CONFIG_KIND),
    locations: z.array(LocationSchema).default([]),
    defaultLocation: z.string().optional(),
    schedules: z
      .array(ScheduleSchema)
      .refine(
        (list) => new Set(list.map((s) => s.name)).size === list.length,
        'schedule names must be unique',
      )
      .optional(),
    /** The clusters of the fleet (clusters.ts). */
    clusters: ClusterListSchema.optional(),
    /** Where more clusters are discovered. */
    fleet: FleetSchema.optional(),
    /** Scheduled DR drills (drills.ts). */
    drills: DrillScheduleListSchema.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    const management = config.fleet?.managementCluster;
    if (management !== undefined && !(config.clusters ?? []).some((c) => c.name === management))
      ctx.addIssue({
        code: 'custom',
        path: ['fleet', 'managementCluster'],
        message: `'${management}' is not one of clusters: (add it with lifeboat cluster add)`,
      });
    const marked = (config.clusters ?? []).findIndex((c) => c.role === 'management' && c.name !== management);
    if (management !== undefined && marked >= 0)
      ctx.addIssue({
        code: 'custom',
        path: ['clusters', marked, 'role'],
        message: `fleet.managementCluster is '${management}': another cluster cannot be marked management`,
      });
  });
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

/** The config file's content and where it lives (a missing file loads as an empty config). */
export interface LifeboatConfig extends ConfigFile {
  path: string;
}

type Env = Record<string, string | undefined>;

/** --config FILE, else $LIFEBOAT_CONFIG, else $XDG_CONFIG_HOME/lifeboat/config.yaml (~/.config). */
export function configFilePath(explicit?: string, env: Env = process.env): string {
  if (explicit !== undefined && explicit !== '') return resolve(explicit);
  const fromEnv = env['LIFEBOAT_CONFIG'];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  const base =
    env['XDG_CONFIG_HOME'] !== undefined && env['XDG_CONFIG_HOME'] !== ''
      ? env['XDG_CONFIG_HOME']
      : join(homedir(), '.config');
  return join(base, 'lifeboat', 'config.yaml');
}

/** Velero provider names ("velero.io/aws") are accepted and stored as lifeboat's ("aws"). */
export function normalizeProvider(provider: string): string {
  return provider.replace(/^velero\.io\//, '');
}

export async function loadConfig(path?: string, env: Env = process.env): Promise<LifeboatConfig> {
  const file = configFilePath(path, env);
  let text: string;
  try {
    text = await readConfigText(file);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return { path: file, ...emptyConfig() };
    if (err instanceof LifeboatError) throw err;
    throw new LifeboatError('CONFIG', `cannot read config file ${file}`, {
      cause: err,
      hint: 'check the file permissions',
    });
  }
  return { path: file, ...parseConfig(text, file) };
}

export function emptyConfig(): ConfigFile {
  return { apiVersion: CONFIG_API_VERSION, kind: CONFIG_KIND, locations: [] };
}

/** Parses and validates config YAML; CONFIG errors name the file, the line or the field at fault. */
export function parseConfig(text: string, file: string): ConfigFile {
  const raw: unknown = parseConfigYaml(text, file) ?? emptyConfig();
  const parsed = ConfigFileSchema.safeParse(normalizeRaw(raw));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field =
      issue === undefined || issue.path.length === 0 ? '(top level)' : issue.path.map(String).join('.');
    throw new LifeboatError('CONFIG', `config file ${file}: ${field}: ${issue?.message ?? 'invalid'}`, {
      hint: `fix ${field} in ${file} (apiVersion ${CONFIG_API_VERSION}, kind ${CONFIG_KIND}, locations: [...])`,
      details: { file, field },
    });
  }
  return parsed.data;
}

function normalizeRaw(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || !('locations' in raw) || !Array.isArray(raw.locations))
    return raw;
  const locations = (raw.locations as unknown[]).map((l) =>
    l !== null && typeof l === 'object' && 'provider' in l && typeof l.provider === 'string'
      ? { ...l, provider: normalizeProvider(l.provider) }
      : l,
  );
  return { ...raw, locations };
}

/** Writes the config atomically (temp file + rename), readable only by its owner. */
export async function saveConfig(config: LifeboatConfig): Promise<void> {
  const { path, ...content } = config;
  const body = ConfigFileSchema.parse(content);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, stringify(body), { mode: 0o600, flag: 'wx' });
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw new LifeboatError('CONFIG', `cannot write config file ${path}`, {
      cause: err,
      hint: 'check that its folder is writable',
    });
  }
}

/** The built-in location used when none is configured: a folder under $XDG_DATA_HOME (~/.local/share). */
export function embeddedDefaultLocation(env: Env = process.env): Location {
  const data =
    env['XDG_DATA_HOME'] !== undefined && env['XDG_DATA_HOME'] !== ''
      ? env['XDG_DATA_HOME']
      : join(homedir(), '.local', 'share');
  return {
    name: 'default',
    provider: 'filesystem',
    objectStorage: { bucket: join(data, 'lifeboat', 'backups') },
    config: nullObject(),
    default: true,
    accessMode: 'ReadWrite',
  };
}

/**
 * Whether the location is lifeboat's own folder (the embedded default's path): the only filesystem
 * root made on first use. Any other missing root is an error until `location create` makes it.
 */
export function isEmbeddedDefaultFolder(location: Location, env: Env = process.env): boolean {
  return (
    location.provider === 'filesystem' &&
    location.objectStorage.bucket === embeddedDefaultLocation(env).objectStorage.bucket
  );
}

/** The named location, else the default one (defaultLocation or default: true), else the embedded default. */
export function resolveLocation(
  config: ConfigFile & { path?: string },
  name?: string,
  env: Env = process.env,
): Location {
  if (name !== undefined && name !== '') {
    const found = config.locations.find((l) => l.name === name);
    if (found !== undefined) return found;
    if (name === 'default' && config.locations.length === 0) return embeddedDefaultLocation(env);
    const known = config.locations.map((l) => l.name);
    throw new LifeboatError(
      'CONFIG',
      `no storage location named '${name}'${config.path === undefined ? '' : ` in ${config.path}`}`,
      {
        hint:
          known.length === 0
            ? 'create one with: lifeboat location create NAME --provider ... --bucket ...'
            : `known locations: ${known.join(', ')}`,
      },
    );
  }
  if (config.defaultLocation !== undefined) return resolveLocation(config, config.defaultLocation, env);
  return config.locations.find((l) => l.default) ?? embeddedDefaultLocation(env);
}

/** Adds a location (ALREADY_EXISTS if the name is taken); with default: true it becomes the only default. */
export function addLocation(config: LifeboatConfig, location: Location): LifeboatConfig {
  if (config.locations.some((l) => l.name === location.name)) {
    throw new LifeboatError(
      'ALREADY_EXISTS',
      `location '${location.name}' already exists in ${config.path}`,
      {
        hint: `choose another name, or remove it first with: lifeboat location delete ${location.name}`,
      },
    );
  }
  const others = location.default
    ? config.locations.map((l) => ({ ...l, default: false }))
    : config.locations;
  const defaultLocation = location.default ? undefined : config.defaultLocation;
  return { ...config, locations: [...others, location], defaultLocation };
}

/** Removes a location from the config (never touches its data); CONFIG error if unknown. */
export function removeLocation(config: LifeboatConfig, name: string): LifeboatConfig {
  if (!config.locations.some((l) => l.name === name)) {
    const known = config.locations.map((l) => l.name);
    throw new LifeboatError('CONFIG', `no storage location named '${name}' in ${config.path}`, {
      hint: known.length === 0 ? 'no locations are configured' : `known locations: ${known.join(', ')}`,
    });
  }
  return {
    ...config,
    locations: config.locations.filter((l) => l.name !== name),
    defaultLocation: config.defaultLocation === name ? undefined : config.defaultLocation,
  };
}
