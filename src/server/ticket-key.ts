import { randomBytes } from 'node:crypto';
import {
  getOrUndefined,
  KubeApiError,
  KubeClient,
  type KubeTarget,
  loadKubeConfig,
  objectPath,
} from '../kube/index.ts';
import type { Logger } from '../log/index.ts';

/** The Secret holding the replicas' shared key for report tickets. */
export const TICKET_KEY_SECRET = 'lifeboat-report-ticket-key';
const KEY_BYTES = 32;

interface SecretObject {
  data?: Record<string, unknown>;
}

/** The key in a Secret as read from the cluster (hostile until checked): 32 bytes, else undefined. */
function keyOf(secret: SecretObject | undefined): Buffer | undefined {
  const encoded = secret?.data?.['key'];
  if (typeof encoded !== 'string' || encoded.length > 128) return undefined;
  const key = Buffer.from(encoded, 'base64');
  return key.length === KEY_BYTES ? key : undefined;
}

/**
 * The key report tickets are signed under, the same on every replica, so a ticket issued by one
 * opens the report on any other (no sticky sessions needed): the Secret TICKET_KEY_SECRET in the
 * server's namespace, created create-only by the first replica to start with a key it draws, read
 * by the others (a replica that lost the race reads the winner's). When the Secret cannot be read
 * or made (no RBAC for it, no API server), a key drawn here serves this replica alone, and the log
 * says so. The key itself is never logged.
 */
export async function sharedTicketKey(o: {
  kube: KubeTarget;
  namespace: string;
  logger: Logger;
}): Promise<Buffer> {
  const path = objectPath('secrets', 'v1', o.namespace, TICKET_KEY_SECRET);
  const client = new KubeClient(loadKubeConfig(o.kube));
  try {
    const found = await getOrUndefined<SecretObject>(client, { path, retries: 2, timeoutMs: 10_000 });
    if (found !== undefined) return usable(keyOf(found), o);
    const drawn = randomBytes(KEY_BYTES);
    const created = await client
      .json({
        method: 'POST',
        path: objectPath('secrets', 'v1', o.namespace),
        body: {
          apiVersion: 'v1',
          kind: 'Secret',
          type: 'Opaque',
          metadata: {
            name: TICKET_KEY_SECRET,
            namespace: o.namespace,
            labels: { 'app.kubernetes.io/name': 'lifeboat' },
          },
          data: { key: drawn.toString('base64') },
        },
        retries: 2,
        timeoutMs: 10_000,
      })
      .then(
        () => true,
        (err: unknown) => {
          if (err instanceof KubeApiError && err.status === 409) return false;
          throw err;
        },
      );
    if (created) return drawn;
    // Another replica created it first: its key is the one every replica uses.
    return usable(
      keyOf(await getOrUndefined<SecretObject>(client, { path, retries: 2, timeoutMs: 10_000 })),
      o,
    );
  } catch (err) {
    o.logger.warn(
      { namespace: o.namespace, secret: TICKET_KEY_SECRET },
      `drill report tickets open reports on this replica only: cannot read or create Secret ${o.namespace}/${TICKET_KEY_SECRET} (${err instanceof Error ? err.message : String(err)})`,
    );
    return randomBytes(KEY_BYTES);
  } finally {
    client.close();
  }
}

function usable(key: Buffer | undefined, o: { namespace: string; logger: Logger }): Buffer {
  if (key !== undefined) return key;
  o.logger.warn(
    { namespace: o.namespace, secret: TICKET_KEY_SECRET },
    `Secret ${o.namespace}/${TICKET_KEY_SECRET} holds no 32-byte key: drill report tickets open reports on this replica only (delete the Secret to have one made)`,
  );
  return randomBytes(KEY_BYTES);
}
