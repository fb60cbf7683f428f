// A small file of a restore written in one go once its bytes are here: create, write, chown, chmod,
// utimes, close and rename as synchronous system calls, a few microseconds each, instead of a
// promise and a thread-pool round trip each (measured: those steps were a third of the CPU of a
// restore of 10k files). The never-follow rules are restore-fs.ts's, as for streamed files.
import { closeSync, ftruncateSync } from 'node:fs';
import { Readable } from 'node:stream';
import { LifeboatError } from '../../../errors/index.ts';
import { asBuffer, writeChunkSync } from './file-contents.ts';
import {
  type AttributePolicy,
  commitTempSync,
  createTempFileSync,
  removeQuietlySync,
  setFdAttributesSync,
} from './restore-fs.ts';
import type { TreeEntry } from './tree-entry.ts';

export interface SmallFileOptions {
  policy: AttributePolicy;
  sparse: boolean;
  blockSize: number;
  signal: AbortSignal;
  /** Called before the file takes its final name: throws to leave it out (the restore failed). */
  beforeCommit: () => void;
}

/** The CORRUPT error of a file whose contents do not have the size its entry gives. */
export function wrongSize(path: string, entry: TreeEntry, length: number): LifeboatError {
  return new LifeboatError(
    'CORRUPT',
    `The snapshot file ${path} should hold ${entry.size} bytes but its contents gave ${length}.`,
    { hint: 'Check the repository with verify; restore another snapshot.' },
  );
}

function closeQuietlySync(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // the descriptor is gone either way
  }
}

/**
 * Writes a file's chunks (each as it comes, the file created O_EXCL|O_NOFOLLOW under a temp name
 * at the first), truncates it to its size when it ends in a hole, sets its attributes through the
 * descriptor and renames it to `path`; on any failure the temp file is removed.
 */
export async function restoreSmallFile(
  chunks: AsyncIterable<unknown>,
  directory: string,
  path: string,
  entry: TreeEntry,
  options: SmallFileOptions,
): Promise<{ length: number; holeBytes: number }> {
  let temp: { path: string; fd: number } | undefined;
  let length = 0;
  let holeBytes = 0;
  let endsInHole = false;
  try {
    for await (const raw of chunks) {
      options.signal.throwIfAborted();
      const chunk = asBuffer(raw);
      temp ??= createTempFileSync(directory);
      const written = writeChunkSync(temp.fd, chunk, length, options);
      holeBytes += written.holeBytes;
      if (chunk.length > 0) endsInHole = written.atEnd;
      length += chunk.length;
    }
    if (length !== entry.size) throw wrongSize(path, entry, length);
    options.beforeCommit();
    temp ??= createTempFileSync(directory);
    if (endsInHole) ftruncateSync(temp.fd, entry.size);
    setFdAttributesSync(temp.fd, entry, options.policy);
    const { fd } = temp;
    temp = { path: temp.path, fd: -1 };
    closeSync(fd);
    commitTempSync(temp.path, path);
  } catch (err) {
    if (chunks instanceof Readable) chunks.destroy();
    if (temp !== undefined) {
      if (temp.fd >= 0) closeQuietlySync(temp.fd);
      removeQuietlySync(temp.path);
    }
    throw err;
  }
  return { length, holeBytes };
}
