import { createHash } from 'node:crypto';
import { LifeboatError } from '../../errors/index.ts';
import { type ArchiveLimits, parseItem, readBackupArchive, resourceListKey } from '../../archive/index.ts';
import { own, type ResourceList } from '../../model/index.ts';
import { backupFileNames, type BackupStore } from '../../store/index.ts';
import type { BackupQuery } from '../backups/index.ts';
import { withLocation } from '../deps/index.ts';

export interface VerifyCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface VerifyReport {
  backup: string;
  ok: boolean;
  checks: VerifyCheck[];
  /** Each problem found, naming the object or item at fault. */
  problems: string[];
}

interface ChecksumsFile {
  algorithm: string;
  files: Record<string, { sha256: string; size: number }>;
}

const MAX_PROBLEMS = 50;

/** How far a verification is: bytes read of the objects it reads, and the tarball's items parsed so far. */
export interface VerifyProgress {
  step: 'tarball' | 'checksums' | 'resource list';
  bytesRead: number;
  /** What it will read in all (the tarball, and with a checksums file every file it names); undefined when unknown. */
  bytesTotal: number | undefined;
  items: number;
}

/** Sums the sizes of the objects the verification will read (as the store lists them). */
async function bytesToRead(
  store: BackupStore,
  name: string,
  checksums: ChecksumsFile | undefined,
): Promise<number | undefined> {
  const tarball = backupFileNames(name).contents;
  const wanted = new Set([tarball, ...Object.keys(checksums?.files ?? {})]);
  try {
    const objects = await store.listBackupObjects(name);
    return objects.filter((o) => wanted.has(o.fileName)).reduce((sum, o) => sum + o.size, 0);
  } catch {
    return undefined; // progress only: the checks themselves say what cannot be read
  }
}

/**
 * Checks a stored backup end to end: velero-backup.json decodes; every object matches the sha256
 * and size in <name>-checksums.json.gz (lifeboat backups; Velero-made ones have none); the tarball
 * reads under `archiveLimits` and every item parses; the resource list agrees with the tarball's items.
 */
export async function verifyBackup(
  query: BackupQuery,
  name: string,
  archiveLimits?: ArchiveLimits,
  onProgress?: (p: VerifyProgress) => void,
): Promise<VerifyReport> {
  const checks: VerifyCheck[] = [];
  const problems: string[] = [];
  const problem = (p: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  return withLocation(query, async (opened) => {
    const store = opened.backupStore;
    const backup = await store.getBackup(name);
    checks.push({
      name: 'metadata',
      ok: true,
      detail: `velero-backup.json decodes (phase ${backup.status.phase ?? 'unknown'})`,
    });

    const checksums = await store.getChecksums(name);
    const progress: VerifyProgress = {
      step: 'tarball',
      bytesRead: 0,
      bytesTotal: await bytesToRead(store, name, checksums),
      items: 0,
    };
    const report = (more: Partial<VerifyProgress>) => {
      Object.assign(progress, more);
      onProgress?.({ ...progress });
    };
    report({});
    const tarball = await readTarball(store, name, archiveLimits, problem, (bytes, items) =>
      report({ bytesRead: bytes, items }),
    );
    report({ step: 'checksums' });
    checks.push(tarball.check);
    if (checksums === undefined) {
      checks.push({
        name: 'checksums',
        ok: true,
        detail: 'no checksums file (a Velero-made backup): skipped',
      });
    } else {
      checks.push(
        await verifyChecksums(
          store,
          name,
          checksums,
          { tarballName: tarball.name, sha256: tarball.sha256, size: tarball.size },
          problem,
          (bytes) => report({ bytesRead: progress.bytesRead + bytes }),
        ),
      );
    }

    report({ step: 'resource list' });
    const resourceList = await store.getResourceList(name);
    if (resourceList === undefined) {
      checks.push({
        name: 'resource list',
        ok: true,
        detail: 'no resource list (older Velero backup): skipped',
      });
    } else if (tarball.check.ok) {
      checks.push(compareResourceList(resourceList, tarball.items, problem));
    }
    return { backup: name, ok: checks.every((c) => c.ok), checks, problems };
  });
}

interface TarballRead {
  name: string;
  check: VerifyCheck;
  /** The items it holds, as the resource list names them: by resource-list key, namespace/name. */
  items: Map<string, Set<string>>;
  sha256: string;
  size: number;
}

/** Reads the tarball once under `archiveLimits`: hashes it, parses every item, lists them by kind. */
async function readTarball(
  store: BackupStore,
  backup: string,
  archiveLimits: ArchiveLimits | undefined,
  problem: (p: string) => void,
  progress: (bytes: number, items: number) => void,
): Promise<TarballRead> {
  const name = backupFileNames(backup).contents;
  const hash = createHash('sha256');
  let size = 0;
  const items = new Map<string, Set<string>>();
  let itemCount = 0;
  let ok = true;
  let check: VerifyCheck;
  try {
    const body = await store.getBackupContents(backup);
    body.on('data', (c: Buffer) => {
      hash.update(c);
      size += c.length;
      progress(size, itemCount);
    });
    const reader = readBackupArchive(body, archiveLimits);
    for await (const entry of reader) {
      if (entry.parsed.kind !== 'item' || entry.parsed.versionDir !== undefined) continue;
      try {
        const obj = parseItem(entry.data, entry.path);
        itemCount++;
        const key = resourceListKey(obj.apiVersion, obj.kind);
        let set = items.get(key);
        if (set === undefined) items.set(key, (set = new Set()));
        set.add(
          entry.parsed.namespace !== undefined
            ? `${entry.parsed.namespace}/${entry.parsed.name}`
            : entry.parsed.name,
        );
      } catch (err) {
        ok = false;
        problem(`${name}: ${(err as Error).message}`);
      }
    }
    progress(size, itemCount);
    check = {
      name: 'tarball',
      ok,
      detail: `${itemCount} items read${reader.version ? `, format ${reader.version}` : ''}${reader.skipped.count ? `, ${reader.skipped.count} non-file entries skipped` : ''}`,
    };
  } catch (err) {
    if (!(err instanceof LifeboatError)) throw err;
    // A cap passed may be a genuine backup's size: say which flag raises it.
    const detail = err.details?.check === 'limit' ? `${err.message}. ${err.hint ?? ''}` : err.message;
    problem(`${name}: ${detail}`);
    check = { name: 'tarball', ok: false, detail };
  }
  return { name, check, items, sha256: hash.digest('hex'), size };
}

async function verifyChecksums(
  store: BackupStore,
  name: string,
  checksums: ChecksumsFile,
  tarball: { tarballName: string; sha256: string; size: number },
  problem: (p: string) => void,
  read: (bytes: number) => void,
): Promise<VerifyCheck> {
  let bad = 0;
  const files = Object.entries(checksums.files ?? {});
  for (const [file, expected] of files) {
    let actual: { sha256: string; size: number };
    if (file === tarball.tarballName) actual = tarball;
    else {
      try {
        actual = await hashObject(store, name, file, read);
      } catch (err) {
        bad++;
        problem(`${file}: cannot be read (${(err as Error).message})`);
        continue;
      }
    }
    if (actual.sha256 !== expected.sha256 || actual.size !== expected.size) {
      bad++;
      problem(
        `${file}: checksum mismatch (expected sha256 ${expected.sha256.slice(0, 12)}… ${expected.size} bytes, found ${actual.sha256.slice(0, 12)}… ${actual.size} bytes)`,
      );
    }
  }
  return {
    name: 'checksums',
    ok: bad === 0,
    detail: bad === 0 ? `${files.length} objects match` : `${bad} of ${files.length} objects do not match`,
  };
}

async function hashObject(
  store: BackupStore,
  name: string,
  file: string,
  read: (bytes: number) => void,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of await store.getBackupObject(name, file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
    read((chunk as Buffer).length);
  }
  return { sha256: hash.digest('hex'), size };
}

function compareResourceList(
  list: ResourceList,
  items: Map<string, Set<string>>,
  problem: (p: string) => void,
): VerifyCheck {
  let missing = 0;
  let extra = 0;
  for (const [key, entries] of Object.entries(list)) {
    const present = items.get(key) ?? new Set<string>();
    for (const entry of entries) {
      if (!present.has(entry)) {
        missing++;
        problem(`resource list names ${key} ${entry}, which is not in the tarball`);
      }
    }
  }
  for (const [key, present] of items) {
    const listed = new Set(own(list, key) ?? []);
    for (const entry of present) {
      if (!listed.has(entry)) {
        extra++;
        problem(`tarball holds ${key} ${entry}, which the resource list does not name`);
      }
    }
  }
  const ok = missing === 0 && extra === 0;
  return {
    name: 'resource list',
    ok,
    detail: ok ? 'agrees with the tarball' : `${missing} listed items missing, ${extra} unlisted items`,
  };
}
