import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import * as z from 'zod';
import {
  addLocation,
  loadConfig,
  normalizeProvider,
  removeLocation,
  resolveLocation,
  saveConfig,
} from '../../config/index.ts';
import { LifeboatError, isLifeboatError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import { type Location, LocationSchema, nullObject } from '../../model/index.ts';
import type { ObjectStore } from '../../store/index.ts';
import { openStores } from '../deps/index.ts';

/** What `lifeboat location create` asks for; files are paths to read now. */
export interface LocationInput {
  name: string;
  provider: string;
  bucket: string;
  prefix?: string;
  config?: Record<string, string>;
  credentialsFile?: string;
  caCertFile?: string;
  default?: boolean;
  accessMode?: string;
}

/** Validates a new location and adds it to the config file; returns what was stored. */
export async function createLocation(
  configPath: string | undefined,
  input: LocationInput,
): Promise<Location> {
  const config = await loadConfig(configPath);
  const provider = normalizeProvider(input.provider);
  const candidate = {
    name: input.name,
    provider,
    objectStorage: {
      bucket: provider === 'filesystem' ? absolutePath(input.bucket) : input.bucket,
      ...(input.prefix === undefined ? {} : { prefix: input.prefix.replace(/^\/+|\/+$/g, '') }),
      ...(input.caCertFile === undefined ? {} : { caCert: await caCertOf(input.caCertFile) }),
    },
    config: input.config ?? nullObject(),
    ...(input.credentialsFile === undefined
      ? {}
      : { credentialsFile: await existingFile(input.credentialsFile) }),
    default: input.default ?? false,
    accessMode: input.accessMode ?? 'ReadWrite',
  };
  const location = parseLocation(candidate);
  if (provider !== 'filesystem' && location.objectStorage.bucket.includes('/')) {
    throw new LifeboatError('USAGE', `bucket '${location.objectStorage.bucket}' must not contain a '/'`, {
      hint: 'put the folder part in --prefix',
    });
  }
  const updated = addLocation(config, location);
  if (provider === 'filesystem') await makeRootFolder(location.objectStorage.bucket);
  await saveConfig(updated);
  return location;
}

/** A filesystem location's folder is made here, on purpose; a missing one is an error everywhere else. */
async function makeRootFolder(root: string): Promise<void> {
  try {
    await mkdir(root, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new LifeboatError('CONFIG', `cannot create the location's folder ${root}`, {
      cause: err,
      hint: 'check that its parent folder exists and is writable, or choose another --bucket',
    });
  }
}

/** The configured locations (or the embedded default when none is), or the one named. */
export async function getLocations(configPath: string | undefined, name?: string): Promise<Location[]> {
  const config = await loadConfig(configPath);
  if (name !== undefined) return [resolveLocation(config, name)];
  return config.locations.length > 0 ? config.locations : [resolveLocation(config)];
}

/** Removes a location from the config file; its data is never touched. */
export async function deleteLocation(configPath: string | undefined, name: string): Promise<void> {
  const config = await loadConfig(configPath);
  await saveConfig(removeLocation(config, name));
}

/** A location by name from the config file (the default one without a name). */
export async function findLocation(configPath: string | undefined, name?: string): Promise<Location> {
  return resolveLocation(await loadConfig(configPath), name);
}

export interface CheckStep {
  ok: boolean;
  /** true when the step did not run (read-only location, or an earlier step failed). */
  skipped?: boolean;
  message: string;
  code?: string;
  hint?: string;
}

export interface LocationCheck {
  location: string;
  store: string;
  reachable: CheckStep;
  writable: CheckStep;
  veleroValid: CheckStep & { invalidPrefixes: string[] };
  ok: boolean;
}

/**
 * Opens the location, lists it, checks Velero's top-level rule, and (unless read-only) writes,
 * reads back and deletes a probe object directly under backups/ (a loose object, not a folder,
 * so Velero's sync never sees it).
 */
export async function checkLocation(
  location: Location,
  options: { logger?: Logger } = {},
): Promise<LocationCheck> {
  const opened = await openStores(location, { logger: options.logger, retry: { maxAttempts: 2 } });
  const { store, backupStore: backups } = opened;
  try {
    const reachable = await step(async () => {
      await store.listCommonPrefixes(backups.layout.root());
      return `listed ${store.description}`;
    });
    const validation = reachable.ok ? await backups.validate().catch(() => undefined) : undefined;
    const veleroValid = {
      ...(validation === undefined
        ? skipped('not checked: the store is not reachable')
        : validation.valid
          ? { ok: true, message: 'only Velero top-level directories' }
          : {
              ok: false,
              message: `invalid top-level directories: ${validation.invalidPrefixes.join(', ')}`,
              hint: 'Velero marks this location Unavailable: move these folders away or use another --prefix',
            }),
      invalidPrefixes: validation?.invalidPrefixes ?? [],
    };
    const writable = !reachable.ok
      ? skipped('not checked: the store is not reachable')
      : location.accessMode === 'ReadOnly'
        ? { ...skipped('not checked: the location is ReadOnly'), ok: true }
        : await step(() => probeWrite(store, backups.layout.backupsPrefix()));
    return {
      location: location.name,
      store: store.description,
      reachable,
      writable,
      veleroValid,
      ok: reachable.ok && writable.ok && veleroValid.ok,
    };
  } finally {
    await opened.close();
  }
}

async function probeWrite(store: ObjectStore, backupsPrefix: string): Promise<string> {
  const key = `${backupsPrefix}.lifeboat-check-${randomBytes(6).toString('hex')}`;
  const body = `lifeboat location check ${new Date().toISOString()}\n`;
  await store.put(key, body, { contentType: 'text/plain' });
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of await store.get(key)) chunks.push(chunk as Buffer);
    if (Buffer.concat(chunks).toString('utf8') !== body) {
      throw new LifeboatError('INTEGRITY', `the probe object ${key} read back differs from what was written`);
    }
  } finally {
    await store.delete(key);
  }
  return `wrote, read back and deleted ${key}`;
}

async function step(fn: () => Promise<string>): Promise<CheckStep> {
  try {
    return { ok: true, message: await fn() };
  } catch (err) {
    if (!isLifeboatError(err)) throw err;
    return {
      ok: false,
      message: err.message,
      code: err.code,
      ...(err.hint === undefined ? {} : { hint: err.hint }),
    };
  }
}

function skipped(message: string): CheckStep {
  return { ok: false, skipped: true, message };
}

function parseLocation(candidate: unknown): Location {
  const parsed = LocationSchema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  throw new LifeboatError(
    'USAGE',
    `invalid location: ${field === '' ? '' : `${field}: `}${issue?.message ?? 'invalid'}`,
    {
      hint: hintFor(field),
      details: { field },
    },
  );
}

function hintFor(field: string): string {
  if (field === 'provider')
    return 'use --provider aws, azure or filesystem (velero.io/aws and velero.io/azure work too)';
  if (field === 'name') return 'a location name is a DNS label, e.g. s3-main';
  if (field === 'accessMode') return 'use --access-mode ReadWrite or ReadOnly';
  return 'see lifeboat location create --help';
}

function absolutePath(path: string): string {
  if (path === '~' || path.startsWith('~/')) return resolve(homedir(), path.slice(2));
  return isAbsolute(path) ? path : resolve(path);
}

async function existingFile(path: string): Promise<string> {
  const absolute = absolutePath(path);
  try {
    await access(absolute);
  } catch (err) {
    throw new LifeboatError('USAGE', `credentials file ${absolute} does not exist or is not readable`, {
      cause: err,
      hint: 'give the path of an AWS shared-credentials file or an Azure dotenv file',
    });
  }
  return absolute;
}

async function caCertOf(path: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(absolutePath(path), 'utf8');
  } catch (err) {
    throw new LifeboatError('USAGE', `cannot read CA bundle ${path}`, {
      cause: err,
      hint: 'give a PEM file with --cacert',
    });
  }
  if (!z.string().includes('-----BEGIN CERTIFICATE-----').safeParse(pem).success) {
    throw new LifeboatError('USAGE', `${path} is not a PEM certificate bundle`, {
      hint: 'give a PEM file with --cacert',
    });
  }
  return Buffer.from(pem, 'utf8').toString('base64');
}
