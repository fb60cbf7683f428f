import { describe, expect, it } from 'vitest';
import { KubeClient, type RequestSpec } from '../../kube/index.ts';
import { podVolumesEnded } from './hooks.ts';

/** Answers each LIST of PodVolumeBackups with the next of `pages`, and keeps the requests. */
class ListingClient extends KubeClient {
  readonly requests: RequestSpec[] = [];
  readonly #pages: unknown[][];
  constructor(pages: unknown[][]) {
    super({
      server: 'https://127.0.0.1:1',
      source: 'unit test',
      tls: { rejectUnauthorized: true },
      authorization: () => Promise.resolve(undefined),
    });
    this.#pages = pages;
  }
  override json<T>(spec: RequestSpec): Promise<T> {
    this.requests.push(spec);
    const page = this.#pages[Math.min(this.requests.length - 1, this.#pages.length - 1)] ?? [];
    return Promise.resolve({ items: page } as T);
  }
}

const pvb = (name: string, phase?: string) => ({
  metadata: { name },
  ...(phase ? { status: { phase } } : {}),
});
const never = new Promise<void>(() => undefined);

describe("a pod's post hook wait", () => {
  it("lists the backup's PodVolumeBackups by its UID label, once per look, until the pod's own have ended", async () => {
    const client = new ListingClient([
      [pvb('a', 'InProgress'), pvb('b', 'Completed'), pvb('other', 'InProgress')],
      [pvb('a', 'InProgress'), pvb('b', 'Completed'), pvb('other', 'InProgress')],
      [pvb('a', 'Failed'), pvb('b', 'Completed'), pvb('other', 'InProgress')],
    ]);
    await podVolumesEnded(client, 'lifeboat', { backupUid: 'uid-1', names: ['a', 'b'] }, never, 1);
    expect(client.requests).toHaveLength(3);
    for (const r of client.requests) {
      expect(r.method ?? 'GET').toBe('GET');
      expect(r.path).toBe('/apis/lifeboat.io/v1alpha1/namespaces/lifeboat/podvolumebackups');
      expect(r.query?.['labelSelector']).toBe('velero.io/backup-uid=uid-1');
    }
  });

  it('takes a PodVolumeBackup gone from the list as ended, and stops when the backup has decided', async () => {
    const gone = new ListingClient([[pvb('b', 'New')], [pvb('b')]]);
    await podVolumesEnded(gone, 'lifeboat', { backupUid: 'u', names: ['a'] }, never, 1);
    expect(gone.requests).toHaveLength(1);
    const stuck = new ListingClient([[pvb('a', 'InProgress')]]);
    await podVolumesEnded(stuck, 'lifeboat', { backupUid: 'u', names: ['a'] }, Promise.resolve(), 60_000);
    expect(stuck.requests.length).toBeLessThanOrEqual(1);
  });
});
