// An in-memory TreeSource for the restore tests: directories, files (bytes or generated chunks) and symlinks.
import { Readable } from 'node:stream';
import type { TreeEntry, TreeEntryType, TreeSource } from './tree-entry.ts';

export interface Attrs {
  mode?: number;
  mtime?: Date;
  mtimeNs?: bigint;
  uid?: number;
  gid?: number;
}

type Chunks = () => Iterable<Buffer> | AsyncIterable<Buffer>;

const defaultTime = new Date('2024-03-01T10:20:30.123Z');

export class MemoryTree implements TreeSource {
  private readonly dirs = new Map<string, TreeEntry[]>();
  private readonly files = new Map<string, Chunks>();
  private readonly links = new Map<string, string>();
  private next = 0;
  /** Streams open right now, and the most at once. */
  open = 0;
  maxOpen = 0;

  private entry(name: string, type: TreeEntryType, size: number, attrs: Attrs): TreeEntry {
    const entry: TreeEntry = {
      name,
      type,
      size,
      mode: attrs.mode ?? (type === 'directory' ? 0o755 : 0o644),
      mtime: attrs.mtime ?? defaultTime,
      objectId: `o${this.next++}`,
    };
    if (attrs.mtimeNs !== undefined) entry.mtimeNs = attrs.mtimeNs;
    if (attrs.uid !== undefined) entry.uid = attrs.uid;
    if (attrs.gid !== undefined) entry.gid = attrs.gid;
    return entry;
  }

  dir(name: string, children: TreeEntry[], attrs: Attrs = {}): TreeEntry {
    const entry = this.entry(name, 'directory', 0, attrs);
    this.dirs.set(entry.objectId, children);
    return entry;
  }

  file(name: string, data: Buffer | string, attrs: Attrs = {}): TreeEntry {
    const bytes = Buffer.from(data);
    return this.generated(name, bytes.length, () => (bytes.length === 0 ? [] : [bytes]), attrs);
  }

  generated(name: string, size: number, chunks: Chunks, attrs: Attrs = {}): TreeEntry {
    const entry = this.entry(name, 'file', size, attrs);
    this.files.set(entry.objectId, chunks);
    return entry;
  }

  link(name: string, target: string, attrs: Attrs = {}): TreeEntry {
    const entry = this.entry(name, 'symlink', target.length, attrs);
    this.links.set(entry.objectId, target);
    return entry;
  }

  other(name: string): TreeEntry {
    return this.entry(name, 'unsupported', 0, {});
  }

  readDirectory(objectId: string): Promise<TreeEntry[]> {
    const entries = this.dirs.get(objectId);
    return entries ? Promise.resolve(entries) : Promise.reject(new Error(`no directory ${objectId}`));
  }

  openFile(entry: TreeEntry): Promise<Readable> {
    const chunks = this.files.get(entry.objectId);
    if (!chunks) return Promise.reject(new Error(`no file ${entry.objectId}`));
    this.open++;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    const stream = Readable.from(chunks(), { objectMode: false });
    stream.once('close', () => this.open--);
    return Promise.resolve(stream);
  }

  readSymlink(entry: TreeEntry): Promise<string> {
    const target = this.links.get(entry.objectId);
    return target === undefined ? Promise.reject(new Error('no symlink')) : Promise.resolve(target);
  }
}
