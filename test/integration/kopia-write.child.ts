// A snapshot writer run as a child process by kopia-write.test.ts, which kills it mid-snapshot:
// argv = repository path, source directory, password. Prints "pack <n>" as packs are stored.
import { FilesystemObjectStore } from '../../src/store/providers/filesystem/filesystem-store.ts';
import { shardedBlobs } from '../../src/volumedata/kopia/blob/sharded-blobs.ts';
import { veleroSnapshotSource } from '../../src/volumedata/kopia/object/snapshot-manifest.ts';
import { openRepository } from '../../src/volumedata/kopia/repository/repository.ts';
import { createSnapshot } from '../../src/volumedata/kopia/repository/writer/snapshot-writer.ts';

const [repoPath = '', src = '', password = ''] = process.argv.slice(2);
const root = repoPath.replace(/\/kopia\/ns1\/?$/, '');
const blobs = shardedBlobs(new FilesystemObjectStore({ root }), 'kopia/ns1/');
const repo = await openRepository(blobs, password);
let packs = 0;
await createSnapshot(repo, src, {
  source: veleroSnapshotSource('pod-volume-backup-restore', 'ns1/pod-0/data'),
  concurrency: 1,
  onProgress: (p) => {
    const stored = Math.floor(p.uploadedBytes / (20 << 20));
    if (stored > packs) {
      packs = stored;
      process.stdout.write(`pack ${packs}\n`);
    }
  },
});
process.stdout.write('done\n');
