import { LifeboatError } from '../../../../errors/index.ts';
import { decompress } from '../../crypto/compression.ts';
import type { DirEntry } from '../../object/dir-entry.ts';
import { decodeDirManifest, MAX_DIRECTORY_JSON_BYTES } from '../../object/directory.ts';
import { decodeIndirect } from '../../object/indirect.ts';
import { formatObjectId, indexObjectId, type ObjectId } from '../../object/object-id.ts';
import type { WritableRepository } from './repository-view.ts';

/** A whole (small) object's bytes: directories and indirect lists, capped at `max` bytes. */
export async function readSmallObject(repo: WritableRepository, oid: ObjectId, max: number): Promise<Buffer> {
  const where = formatObjectId(oid);
  if (oid.indirection === 0) {
    const data = await repo.getContent(oid.contentId);
    return oid.compressed ? decompress(data, max) : data;
  }
  const list = decodeIndirect(await readSmallObject(repo, indexObjectId(oid), max), where);
  const parts: Buffer[] = [];
  let total = 0;
  for (const e of list) {
    total += e.length;
    if (total > max) {
      throw new LifeboatError('CORRUPT', `object ${where} is larger than ${max} bytes`, {
        hint: 'the repository is damaged or the directory is too large; run `kopia snapshot verify`',
      });
    }
    parts.push(await readSmallObject(repo, e.object, max));
  }
  return Buffer.concat(parts);
}

/**
 * The directories of a parent snapshot by relative path ('' is the root), read lazily and once:
 * the snapshot writer compares each file with the parent's entry of the same name.
 */
export class ParentTree {
  private readonly repo: WritableRepository;
  private readonly dirs = new Map<string, Promise<Map<string, DirEntry> | undefined>>();

  constructor(repo: WritableRepository, root: DirEntry | null) {
    this.repo = repo;
    this.dirs.set('', root === null || root.type !== 'd' ? Promise.resolve(undefined) : this.load(root));
  }

  private async load(entry: DirEntry): Promise<Map<string, DirEntry>> {
    const bytes = await readSmallObject(this.repo, entry.obj, MAX_DIRECTORY_JSON_BYTES);
    const manifest = decodeDirManifest(bytes, `directory ${formatObjectId(entry.obj)}`);
    return new Map(manifest.entries.map((e) => [e.name, e]));
  }

  /** The parent's entries of the directory at relativePath (slash-separated), or undefined. */
  entries(relativePath: string): Promise<Map<string, DirEntry> | undefined> {
    const known = this.dirs.get(relativePath);
    if (known !== undefined) return known;
    const slash = relativePath.lastIndexOf('/');
    const up = slash < 0 ? '' : relativePath.slice(0, slash);
    const name = relativePath.slice(slash + 1);
    const loading = this.entries(up).then((parent) => {
      const e = parent?.get(name);
      return e?.type === 'd' ? this.load(e) : undefined;
    });
    this.dirs.set(relativePath, loading);
    return loading;
  }

  /** Forgets a directory once it is written (its children were asked for before it). */
  forget(relativePath: string): void {
    if (relativePath !== '') this.dirs.delete(relativePath);
  }
}
