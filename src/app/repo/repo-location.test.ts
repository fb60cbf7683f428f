import { describe, expect, it } from 'vitest';
import { LocationSchema } from '../../model/index.ts';
import { BackupStore, MemoryObjectStore } from '../../store/index.ts';
import { checkNamespace, repoLocation } from './repo-location.ts';

function opened(provider: 'filesystem' | 'aws') {
  const store = new MemoryObjectStore();
  const location = LocationSchema.parse({ name: 'l', provider, objectStorage: { bucket: 'b', prefix: 'p' } });
  return {
    store,
    loc: repoLocation(
      { location, store, backupStore: new BackupStore(store, 'p'), close: () => Promise.resolve() },
      undefined,
    ),
  };
}

describe('repoLocation', () => {
  it('keeps a namespace’s blobs as flat keys under <prefix>/kopia/<ns>/ on S3 and Azure', async () => {
    const { store, loc } = opened('aws');
    await loc.blobs('app').putBlob('p0123456789abcdef', Buffer.from('x'));
    const keys: string[] = [];
    for await (const o of store.list('')) keys.push(o.key);
    expect(keys).toEqual(['p/kopia/app/p0123456789abcdef']);
    expect(await loc.namespaces()).toEqual(['app']);
  });

  it('uses kopia’s sharded filesystem layout on a filesystem location', async () => {
    const { store, loc } = opened('filesystem');
    await loc.blobs('db', { create: true }).putBlob('p0123456789abcdef0123456789abcdef', Buffer.from('x'));
    const keys: string[] = [];
    for await (const o of store.list('p/kopia/db/')) keys.push(o.key);
    expect(keys).toContain('p/kopia/db/.shards');
    expect(keys).toContain('p/kopia/db/p/012/3456789abcdef0123456789abcdef.f');
    expect(await loc.namespaces()).toEqual(['db']);
  });

  it('refuses a namespace that is not a Kubernetes namespace name', () => {
    for (const bad of ['', '../x', 'a/b', 'UP', '-a', 'a'.repeat(64)])
      expect(() => checkNamespace(bad)).toThrow(/not a namespace name/);
    expect(checkNamespace('kube-system')).toBe('kube-system');
  });
});
