import type { DirEntry } from '../../object/dir-entry.ts';
import { formatObjectId } from '../../object/object-id.ts';
import type { KopiaRepository } from '../repository.ts';
import { readDirectoryEntries } from '../restore.ts';

/**
 * The directories of a parent snapshot by relative path ('' is the root), read lazily and once:
 * the snapshot writer compares each file with the parent's entry of the same name.
 */
export class ParentTree {
  private readonly repo: KopiaRepository;
  private readonly dirs = new Map<string, Promise<Map<string, DirEntry> | undefined>>();
  private readonly root: DirEntry | undefined;

  constructor(repo: KopiaRepository, root: DirEntry | null) {
    this.repo = repo;
    this.root = root ?? undefined;
    this.dirs.set('', root === null || root.type !== 'd' ? Promise.resolve(undefined) : this.load(root));
  }

  private async load(entry: DirEntry): Promise<Map<string, DirEntry>> {
    const entries = await readDirectoryEntries(this.repo, formatObjectId(entry.obj));
    return new Map(entries.map((e) => [e.name, e]));
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

  /**
   * The parent's entry of the directory at relativePath itself (its object and summary), or
   * undefined; ask before the directory holding it is forgotten.
   */
  async self(relativePath: string): Promise<DirEntry | undefined> {
    if (relativePath === '') return this.root?.type === 'd' ? this.root : undefined;
    const slash = relativePath.lastIndexOf('/');
    const up = await this.entries(slash < 0 ? '' : relativePath.slice(0, slash));
    const e = up?.get(relativePath.slice(slash + 1));
    return e?.type === 'd' ? e : undefined;
  }

  /** Forgets a directory once it is written (its children were asked for before it). */
  forget(relativePath: string): void {
    if (relativePath !== '') this.dirs.delete(relativePath);
  }
}
