import { describeObjectStoreContract } from './object-store.contract.ts';
import { MemoryObjectStore } from './providers/memory/memory-store.ts';

describeObjectStoreContract(
  'memory',
  async () => Promise.resolve({ store: new MemoryObjectStore(), cleanup: async () => {} }),
  { largeObjectBytes: 16 * 1024 * 1024, checkMemory: false },
);
