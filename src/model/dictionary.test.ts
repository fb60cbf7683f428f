import * as z from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import { nullObject, own } from './dictionary.ts';
import { dictionarySchema } from './dictionary-schema.ts';

/** Keys that name Object.prototype's members: outside data may use every one of them. */
const HOSTILE = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
const hostileJson = JSON.stringify(Object.fromEntries(HOSTILE.map((k, i) => [k, `v${i}`])));

afterEach(() => {
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
});

describe('nullObject', () => {
  it('copies every own key of a parsed record, __proto__ included, onto no prototype', () => {
    const copy = nullObject(JSON.parse(hostileJson) as Record<string, string>);
    expect(Object.getPrototypeOf(copy)).toBeNull();
    expect(Object.keys(copy)).toEqual(HOSTILE);
    HOSTILE.forEach((k, i) => expect(copy[k]).toBe(`v${i}`));
    expect(JSON.stringify(copy)).toBe(hostileJson);
  });

  it('builds from entries and reads nothing inherited', () => {
    const dict = nullObject([['__proto__', { polluted: 'yes' }] as const]);
    expect(Object.keys(dict)).toEqual(['__proto__']);
    expect(dict['constructor']).toBeUndefined();
    expect('toString' in nullObject()).toBe(false);
  });
});

describe('own', () => {
  it('reads own values only', () => {
    const plain: Record<string, string> = JSON.parse('{"a":"1"}') as Record<string, string>;
    for (const key of HOSTILE) expect(own(plain, key)).toBeUndefined();
    expect(own(plain, 'a')).toBe('1');
    expect(own(undefined, 'a')).toBeUndefined();
  });
});

describe('dictionarySchema', () => {
  const schema = z.object({ labels: dictionarySchema(z.string()).optional() }).loose();

  it('keeps every key (z.record drops __proto__) and inherits nothing', () => {
    const parsed = schema.parse(JSON.parse(`{"labels":${hostileJson}}`));
    const labels = parsed.labels!;
    expect(Object.getPrototypeOf(labels)).toBeNull();
    expect(Object.keys(labels)).toEqual(HOSTILE);
    expect(JSON.stringify(labels)).toBe(hostileJson);
    expect(schema.parse({ labels: { a: 'b' } }).labels!['constructor']).toBeUndefined();
  });

  it('does not pollute through a __proto__ value and names the key of a bad value', () => {
    const bad = schema.safeParse(JSON.parse('{"labels":{"__proto__":{"polluted":"yes"}}}'));
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['labels', '__proto__']);
    const unknowns = dictionarySchema(z.unknown()).parse(JSON.parse('{"__proto__":{"polluted":"yes"}}'));
    expect(Object.keys(unknowns)).toEqual(['__proto__']);
    expect(schema.safeParse({ labels: 'x' }).success).toBe(false);
    expect(schema.safeParse({ labels: ['x'] }).success).toBe(false);
  });
});
