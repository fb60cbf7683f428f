import { describe, expect, it } from 'vitest';
import { skipValue } from './skip-value.ts';

describe('skipValue', () => {
  it('finds the end of a value without parsing it', () => {
    const text = Buffer.from('{"a":"x\\"}","b":[1,{"c":"]"}]},"next"');
    expect(skipValue(text, 0)).toBe(text.indexOf(',"next"'));
    expect(skipValue(Buffer.from('12,3'), 0)).toBe(2);
    expect(skipValue(Buffer.from('"a\\\\"x'), 0)).toBe(5);
    expect(skipValue(Buffer.from('{"a":'), 0)).toBe(-1);
    expect(skipValue(Buffer.from('"open'), 0)).toBe(-1);
  });
});
