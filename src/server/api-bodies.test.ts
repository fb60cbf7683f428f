import { describe, expect, it } from 'vitest';
import { BackupBody, RestoreBody } from './api-bodies.ts';

/** A dictionary's value at a key given at run time (as outside names are). */
const read = (dict: Record<string, unknown>, key: string): unknown => dict[key];

describe('API bodies with keys named like Object.prototype members', () => {
  it('keeps namespace and storage class mappings of __proto__ and constructor, and inherits none', () => {
    const body = RestoreBody.parse(
      JSON.parse(
        '{"backupName":"b","namespaceMapping":{"__proto__":"a","constructor":"b"},"storageClassMapping":{"toString":"fast"}}',
      ),
    );
    expect(Object.entries(body.namespaceMapping!)).toEqual([
      ['__proto__', 'a'],
      ['constructor', 'b'],
    ]);
    expect(read(body.namespaceMapping!, 'toString')).toBeUndefined();
    expect(read(body.storageClassMapping!, 'constructor')).toBeUndefined();
    expect(read(body.storageClassMapping!, 'toString')).toBe('fast');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('refuses a mapping whose __proto__ value is an object, naming the key', () => {
    const result = RestoreBody.safeParse(
      JSON.parse('{"backupName":"b","namespaceMapping":{"__proto__":{"polluted":"x"}}}'),
    );
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['namespaceMapping', '__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('keeps template labels named __proto__ and constructor', () => {
    const body = BackupBody.parse(JSON.parse('{"template":{"labels":{"__proto__":"a","constructor":"b"}}}'));
    expect(Object.entries(body.template!.labels!)).toEqual([
      ['__proto__', 'a'],
      ['constructor', 'b'],
    ]);
  });
});
