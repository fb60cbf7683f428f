import { describe, expect, it } from 'vitest';
import type { ListedBlob } from './complete-set.ts';
import { legacyIndexPoisonBlobId, parseCompactionLog, selectLegacyIndexBlobs } from './legacy-index.ts';

const at = new Date('2026-01-01T00:00:00Z');
const listed = (...ids: string[]): ListedBlob[] => ids.map((id) => ({ id, length: 1, timestamp: at }));

describe('legacy index blobs (kopia index blob manager v0)', () => {
  it('drops the inputs of compactions whose outputs are all listed', () => {
    const logs = [
      parseCompactionLog(
        Buffer.from(
          JSON.stringify({ inputMetadata: [{ id: 'n1' }, { id: 'n2' }], outputMetadata: [{ id: 'n3' }] }),
        ),
        'm1',
      ),
      // output missing: its inputs stay
      parseCompactionLog(
        Buffer.from(JSON.stringify({ inputMetadata: [{ id: 'n4' }], outputMetadata: [{ id: 'n9' }] })),
        'm2',
      ),
    ];
    expect(selectLegacyIndexBlobs(listed('n1', 'n2', 'n3', 'n4'), logs).map((b) => b.id)).toEqual([
      'n3',
      'n4',
    ]);
  });

  it('refuses malformed compaction logs and the upgrade poison blob', () => {
    expect(() => parseCompactionLog(Buffer.from('{'), 'm1')).toThrow(/m1/);
    expect(() => parseCompactionLog(Buffer.from('{"inputMetadata":[{"id":3}]}'), 'm1')).toThrow(/m1/);
    expect(() => selectLegacyIndexBlobs(listed('n1', legacyIndexPoisonBlobId), [])).toThrow(/upgraded/);
  });
});
