// Volume data: kopia's repository format in TypeScript (kopia/: format blob, crypto, index, packs, objects, directories, manifests, splitter; read and write), as Velero writes it under kopia/<namespace>/ of a location.
// It must never know a cluster or a backup's resources; it sees blobs, snapshots and directory trees.
export {
  DEFAULT_HASH_ALGORITHM,
  HASH_ALGORITHMS,
  createHasher,
  type HashFunc,
} from './kopia/crypto/hashing.ts';
export {
  DEFAULT_ENCRYPTION_ALGORITHM,
  ENCRYPTION_ALGORITHMS,
  createEncryptor,
  type ContentEncryptor,
} from './kopia/crypto/encryption.ts';
export { COMPRESSOR_NAMES, compressorHeaderId, compressorName } from './kopia/crypto/compression.ts';
