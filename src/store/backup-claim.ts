import { randomBytes } from 'node:crypto';
import { LifeboatError } from '../errors/index.ts';
import { backupFileNames, type StoreLayout } from './layout.ts';
import { isAlreadyExists, type ObjectStore } from './object-store.ts';

/** `<name>-claim.json`: who took a backup name, written create-only before anything else of the backup. */
export interface BackupClaim {
  backup: string;
  /** The source cluster's identity (kube-system UID); null when unknown. */
  cluster: string | null;
  claimedAt: string;
  /** Makes every claim's bytes unique, so a retried write can tell its own claim from another's. */
  nonce: string;
  /** The server replica running the backup (fleet slots), so crash recovery knows whose run it was. */
  writer?: string | undefined;
}

const MAX_CLAIM_BYTES = 4096;

/**
 * How long a claim settles before it is read back. Some S3-compatible servers (versitygw 1.7 among
 * them) check If-None-Match before they write instead of atomically, so two creators a few
 * milliseconds apart can both succeed, the later one's bytes staying: reading the claim back after
 * a pause, until two reads agree, tells the earlier one it lost. Stores that say their create is atomic (the filesystem,
 * Azure, memory: `ObjectStore.atomicCreate`) skip the pause and the read-back.
 */
export const CLAIM_SETTLE_MS = 300;

/**
 * Takes a backup name in a (possibly shared) bucket: a create-only write of `<name>-claim.json`.
 * Of two writers of the same name — two clusters with the same schedule at the same second — exactly
 * one succeeds; the other gets ALREADY_EXISTS naming the backup (and the claiming cluster when it can
 * be read) before it has written anything, so the winner's objects are never touched.
 */
export async function claimBackupName(
  store: ObjectStore,
  layout: StoreLayout,
  name: string,
  cluster: string | undefined,
  settleMs = store.atomicCreate ? 0 : CLAIM_SETTLE_MS,
  writer?: string,
): Promise<{ fileName: string; body: Buffer }> {
  const fileName = backupFileNames(name).claim;
  const claim: BackupClaim = {
    backup: name,
    cluster: cluster ?? null,
    claimedAt: new Date().toISOString(),
    nonce: randomBytes(12).toString('hex'),
    ...(writer === undefined ? {} : { writer }),
  };
  const body = Buffer.from(`${JSON.stringify(claim)}\n`);
  try {
    await store.put(layout.backupKey(name, fileName), body, {
      contentType: 'application/json',
      ifNoneMatch: '*',
    });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const other = await readBackupClaim(store, layout, name).catch(() => undefined);
    // A retried PUT whose first attempt landed (its reply lost) finds its own claim: the name is ours.
    if (other?.nonce !== claim.nonce)
      throw nameTaken(name, store.description, other?.cluster ?? undefined, cluster, err);
  }
  if (store.atomicCreate) return { fileName, body };
  const held = await settledClaim(store, layout, name, settleMs);
  if (held?.nonce !== claim.nonce)
    throw nameTaken(name, store.description, held?.cluster ?? undefined, cluster);
  return { fileName, body };
}

const SETTLE_READS = 6;
/** Tries of one read of the claim while it settles. */
const CLAIM_READ_ATTEMPTS = 3;

/**
 * The claim once it has stopped changing: two reads in a row (the second half a settle later) that
 * find the same bytes. A racing writer's replacement may still be landing when the first read runs,
 * and a single read could then tell each writer that the other won; once the stored claim is stable,
 * every writer reads the same one, so exactly one keeps the name. Undefined when it never settles
 * (or is gone), which loses the name: nothing has been written yet, and the next run takes it.
 */
async function settledClaim(
  store: ObjectStore,
  layout: StoreLayout,
  name: string,
  settleMs: number,
): Promise<BackupClaim | undefined> {
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  // A read that fails (a busy server's error, a claim caught mid-replacement) is tried again before
  // it counts as no claim: counted at once, a few failures in a row lost the name for every writer.
  const read = async (): Promise<BackupClaim | undefined> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await readBackupClaim(store, layout, name);
      } catch {
        if (attempt >= CLAIM_READ_ATTEMPTS) return undefined;
        await pause(Math.max(50, Math.ceil(settleMs / 2)));
      }
    }
  };
  if (settleMs > 0) await pause(settleMs);
  let previous = await read();
  for (let n = 1; n < SETTLE_READS; n++) {
    if (settleMs > 0) await pause(Math.ceil(settleMs / 2));
    const current = await read();
    if (current !== undefined && current.nonce === previous?.nonce) return current;
    previous = current;
  }
  return undefined;
}

/** True when the claim at the key still holds exactly these bytes (so it is ours to delete). */
export async function holdsClaim(store: ObjectStore, key: string, body: Buffer): Promise<boolean> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of await store.get(key)) {
      size += (chunk as Buffer).length;
      if (size > body.length) return false;
      chunks.push(chunk as Buffer);
    }
  } catch {
    return false;
  }
  return Buffer.concat(chunks).equals(body);
}

/** The claim of a backup folder, or undefined when it has none (Velero-made, or older lifeboat). */
export async function readBackupClaim(
  store: ObjectStore,
  layout: StoreLayout,
  name: string,
): Promise<BackupClaim | undefined> {
  const key = layout.backupFileKey(name, 'claim');
  if ((await store.head(key)) === undefined) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of await store.get(key)) {
    size += (chunk as Buffer).length;
    if (size > MAX_CLAIM_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { backup, cluster, claimedAt, nonce, writer } = parsed as Record<string, unknown>;
  if (typeof backup !== 'string' || (cluster !== null && typeof cluster !== 'string')) return undefined;
  return {
    backup,
    cluster,
    claimedAt: typeof claimedAt === 'string' ? claimedAt : '',
    nonce: typeof nonce === 'string' ? nonce : '',
    writer: typeof writer === 'string' && writer.length <= 253 ? writer : undefined,
  };
}

/** ALREADY_EXISTS for a backup name another writer holds. */
export function nameTaken(
  name: string,
  description: string,
  holder: string | undefined,
  self: string | undefined,
  cause?: unknown,
): LifeboatError {
  const by =
    holder === undefined
      ? 'another writer'
      : holder === self
        ? 'another run from this cluster'
        : `another cluster (kube-system UID ${holder})`;
  return new LifeboatError(
    'ALREADY_EXISTS',
    `backup ${name} already exists in ${description}: ${by} took the name first; nothing of it was overwritten`,
    {
      cause,
      hint: 'two clusters share this location with the same schedule or backup name: give each cluster its own location prefix or schedule name, or choose another backup name',
      details: holder === undefined ? { backup: name } : { backup: name, cluster: holder },
    },
  );
}
