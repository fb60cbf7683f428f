import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJson } from '../../gojson/index.ts';
import type { KubeObject } from '../../model/index.ts';
import { openPreparedSpool } from './prepared-spool.ts';

describe('the prepared-items spool', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lifeboat-prepared-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads back what was kept, by path, int64 values exact; an unknown path is undefined', async () => {
    const spool = await openPreparedSpool(join(dir, 'prepared.spool'));
    try {
      const object = parseJson(
        '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"spec":{"n":9223372036854775807}}',
      ) as KubeObject;
      await spool.keep('p/a.json', { object, status: { ready: true }, additionalItems: [], warnings: ['w'] });
      await spool.keep('p/b.json', {
        object: { ...object, metadata: { name: 'b' } },
        additionalItems: [],
        warnings: [],
      });
      const a = await spool.get('p/a.json');
      expect(JSON.stringify(a)).toBe(
        '{"object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"spec":{"n":9223372036854775807}},"status":{"ready":true},"additionalItems":[],"warnings":["w"]}',
      );
      expect((await spool.get('p/b.json'))?.object.metadata.name).toBe('b');
      expect(await spool.get('p/c.json')).toBeUndefined();
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await spool.close();
    }
  });

  it('keeps thousands of items across many batches and reads any of them back, also while keeping', async () => {
    const spool = await openPreparedSpool(join(dir, 'prepared.spool'));
    try {
      const item = (i: number) => ({
        object: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `cm-${i}` },
          data: { v: 'x'.repeat(900 + (i % 7)) },
        },
        additionalItems: [],
        warnings: [],
      });
      const reads: Promise<unknown>[] = [];
      for (let i = 0; i < 3000; i++) {
        await spool.keep(`p/${i}.json`, item(i));
        if (i % 500 === 499) reads.push(spool.get(`p/${i - 250}.json`));
      }
      const early = (await Promise.all(reads)) as { object: KubeObject }[];
      expect(early.map((p) => p.object.metadata.name)).toEqual(
        [249, 749, 1249, 1749, 2249, 2749].map((i) => `cm-${i}`),
      );
      const all = await Promise.all([0, 1, 1234, 2998, 2999].map((i) => spool.get(`p/${i}.json`)));
      expect(all.map((p) => JSON.stringify(p))).toEqual(
        [0, 1, 1234, 2998, 2999].map((i) => JSON.stringify(item(i))),
      );
    } finally {
      await spool.close();
    }
  });
});
