import { randomBytes } from 'node:crypto';

/**
 * kopia's session IDs (repo/content/sessions.go): `s` + 8 random bytes in hex + the number of
 * 30-day periods since 2000-01-01 UTC in hex. A writer names its index blobs (and session markers)
 * with it.
 */
export const sessionIdPrefix = 's';

const sessionEpochStartMs = Date.UTC(2000, 0, 1);
const sessionEpochGranularityMs = 30 * 24 * 3600 * 1000;

/** A new session ID for a writer starting now. */
export function newSessionId(now: Date = new Date(), random: Buffer = randomBytes(8)): string {
  const period = Math.trunc((now.getTime() - sessionEpochStartMs) / sessionEpochGranularityMs);
  return `${sessionIdPrefix}${random.toString('hex').padStart(16, '0')}${period.toString(16)}`;
}

/** The session ID a blob ID carries (the first `-`-separated part after the first that starts with `s`), or ''. */
export function sessionIdFromBlobId(blobId: string): string {
  const parts = blobId.split('-');
  return parts.slice(1).find((p) => p.startsWith(sessionIdPrefix)) ?? '';
}
