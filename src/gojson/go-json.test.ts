import { describe, expect, it } from 'vitest';
import { goEncodeLine, goMarshal, goMarshalExact, goMarshalIndent, goQuote } from './go-json.ts';
import { compareGoStrings, sortedMap } from './go-order.ts';
import { parseJson, parseJsonExact, RawNumber } from './parse-json.ts';

describe('goMarshal (json.Marshal of map[string]interface{})', () => {
  it('is compact and sorts map keys at every level', () => {
    expect(goMarshal({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('sorts keys by UTF-8 bytes: "10" < "9" < "A" < "_" < "a" (not JS integer-key order)', () => {
    expect(goMarshal({ a: 1, _: 2, A: 3, '9': 4, '10': 5 })).toBe('{"10":5,"9":4,"A":3,"_":2,"a":1}');
  });

  it('sorts astral characters after U+E000..U+FFFF, as their UTF-8 bytes do (UTF-16 would not)', () => {
    const astral = '\u{1F600}'; // UTF-8 F0 9F 98 80, UTF-16 D83D DE00
    const bmpHigh = '\uFF21'; // UTF-8 EF BC A1
    expect(goMarshal({ [astral]: 1, [bmpHigh]: 2 })).toBe(`{"${bmpHigh}":2,"${astral}":1}`);
    expect(compareGoStrings(bmpHigh, astral)).toBe(-1);
    expect(compareGoStrings('a', 'ab')).toBe(-1);
    expect(compareGoStrings('b', 'ab')).toBe(1);
    expect(compareGoStrings('x', 'x')).toBe(0);
  });

  it('HTML-escapes <, > and & as \\u003c, \\u003e, \\u0026 (escapeHTML = true)', () => {
    expect(goMarshal({ s: '<a href="x">&</a>' })).toBe(
      '{"s":"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"}',
    );
  });

  it('escapes U+2028 and U+2029 (JSONP safety rule)', () => {
    expect(goQuote('a\u2028b\u2029c')).toBe('"a\\u2028b\\u2029c"');
  });

  it('uses short escapes for \\b \\f \\n \\r \\t (Go 1.22+) and \\u00xx lowercase for other controls', () => {
    expect(goQuote('\b\f\n\r\t')).toBe('"\\b\\f\\n\\r\\t"');
    expect(goQuote('\u0000\u001b\u001f\u007f')).toBe('"\\u0000\\u001b\\u001f\u007f"');
    expect(goQuote('back\\slash "quoted"')).toBe('"back\\\\slash \\"quoted\\""');
  });

  it('writes non-ASCII UTF-8 unescaped and replaces invalid UTF-16 with U+FFFD like Go does', () => {
    expect(goQuote('héllo \u{1F600} ü')).toBe('"héllo \u{1F600} ü"');
    expect(goQuote('bad\ud800x')).toBe('"bad\ufffdx"');
  });

  it('prints floats in Go shortest form: exponent below 1e-6 and from 1e21, no leading exponent zeros', () => {
    expect(goMarshal([1.5, 0.1, 100, 1e20, 1e21, 1.5e21, 0.000001, 1e-7, 1.5e-10, 5e-324, -2.5])).toBe(
      '[1.5,0.1,100,100000000000000000000,1e+21,1.5e+21,0.000001,1e-7,1.5e-10,5e-324,-2.5]',
    );
  });

  it('keeps the sign of a float negative zero (Go prints -0 for float64)', () => {
    expect(goMarshal(-0)).toBe('-0');
  });

  it('rejects NaN and Infinity (json: unsupported value)', () => {
    expect(() => goMarshal(NaN)).toThrow(/unsupported value/);
    expect(() => goMarshal({ x: Infinity })).toThrow(/unsupported value/);
  });

  it('prints integers, bigints and RawNumbers as integers', () => {
    expect(goMarshal([0, -7, 9007199254740991, 2n ** 63n - 1n, new RawNumber('-9223372036854775808')])).toBe(
      '[0,-7,9007199254740991,9223372036854775807,-9223372036854775808]',
    );
  });

  it('omits undefined members, prints undefined array elements as null, rejects other types', () => {
    expect(goMarshal({ a: undefined, b: [undefined] })).toBe('{"b":[null]}');
    expect(() => goMarshal({ d: new Date(0) })).toThrow(/unsupported type: Date/);
    expect(() => goMarshal(() => 1)).toThrow(/unsupported type/);
  });

  it('prints empty maps and slices as {} and []', () => {
    expect(goMarshal({ m: {}, s: [], n: new Map() })).toBe('{"m":{},"n":{},"s":[]}');
  });
});

describe('goMarshal of deeply nested values', () => {
  it('writes objects and arrays nested deeper than the call stack (the API server accepts ~10,000 levels)', () => {
    const depth = 20_000;
    const text = `{"b":${'{"z":[{"y":1,"x":'.repeat(depth)}true${'}]}'.repeat(depth)},"a":[]}`;
    const expected = `{"a":[],"b":${'{"z":[{"x":'.repeat(depth)}true${',"y":1}]}'.repeat(depth)}}`;
    expect(goMarshal(parseJson(text))).toBe(expected);
    expect(goMarshalExact(parseJson(text))).toBe(expected);
  });
});

describe('goEncodeLine (json.Encoder.Encode)', () => {
  it('is compact, sorted and ends with exactly one newline', () => {
    expect(goEncodeLine({ 'v1/Pod': ['app/web'], 'apps/v1/Deployment': ['app/web'] })).toBe(
      '{"apps/v1/Deployment":["app/web"],"v1/Pod":["app/web"]}\n',
    );
    expect(goEncodeLine(null)).toBe('null\n');
    expect(goEncodeLine([])).toBe('[]\n');
  });
});

describe('parseJsonExact + goMarshal round trip', () => {
  it('keeps int64 values beyond 2^53 exactly (unstructured decodes integers to int64)', () => {
    const text =
      '{"apiVersion":"example.com/v1","kind":"Big","spec":{"big":9223372036854775807,"n":-9007199254740993}}';
    const parsed = parseJsonExact(text) as { spec: { big: unknown } };
    expect(parsed.spec.big).toBeInstanceOf(RawNumber);
    expect(goMarshal(parsed)).toBe(text);
    expect(JSON.stringify(parsed)).toBe(text);
  });

  it('turns integers outside int64 into float64 like Go: 12345678901234567890 → 12345678901234567000', () => {
    expect(goMarshal(parseJsonExact('{"big":12345678901234567890}'))).toBe('{"big":12345678901234567000}');
  });

  it('normalises number spellings as Go does: 1.0 → 1, 1E5 → 100000, -0 (int) → 0, -0.0 (float) → -0', () => {
    expect(goMarshal(parseJsonExact('[1.0,1E5,-0,-0.0,2.50]'))).toBe('[1,100000,0,-0,2.5]');
  });

  it('re-marshals a typical API object byte-identically once keys are sorted', () => {
    const text =
      '{"apiVersion":"v1","data":{"a.conf":"x\\u003cy \\u0026 z\\n"},"kind":"ConfigMap","metadata":{"creationTimestamp":"2026-05-01T10:00:00Z","name":"cfg","namespace":"app","resourceVersion":"42","uid":"u-1"}}';
    expect(goMarshal(parseJsonExact(text))).toBe(text);
  });

  it('parseJson takes the fast path only where it cannot differ from parseJsonExact', () => {
    for (const text of [
      '[1.0,1E5,-0,-0.0,2.50]',
      '{"a":-0}',
      '{"a": -0 ,"b":[-0]}',
      '{"big":9223372036854775807}',
      '{"big":12345678901234567890,"n":[-9007199254740993]}',
      '{"s":"-0 and 12345678901234567890 in a string","n":-0.5,"z":0}',
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","generation":3}}',
    ]) {
      expect(goMarshal(parseJson(text)), text).toBe(goMarshal(parseJsonExact(text)));
    }
  });

  it('RawNumber rejects text that is not a JSON number', () => {
    expect(() => new RawNumber('12a')).toThrow(TypeError);
    expect(new RawNumber('1.5e+3').toString()).toBe('1.5e+3');
  });
});

describe('goMarshalIndent (json.MarshalIndent(v, "", "  "))', () => {
  it('keeps struct (insertion) order, sorts Go maps, one array element per line, {} and [] stay compact', () => {
    const value = {
      kind: 'Backup',
      metadata: { name: 'b1', labels: sortedMap({ z: '1', a: '<2>' }) },
      spec: { metadata: {}, list: ['x', 'y'], empty: [], n: 3, ok: false },
    };
    expect(goMarshalIndent(value)).toBe(
      [
        '{',
        '  "kind": "Backup",',
        '  "metadata": {',
        '    "name": "b1",',
        '    "labels": {',
        '      "a": "\\u003c2\\u003e",',
        '      "z": "1"',
        '    }',
        '  },',
        '  "spec": {',
        '    "metadata": {},',
        '    "list": [',
        '      "x",',
        '      "y"',
        '    ],',
        '    "empty": [],',
        '    "n": 3,',
        '    "ok": false',
        '  }',
        '}',
      ].join('\n'),
    );
  });

  it('has no trailing newline and prints nested arrays of objects indented', () => {
    expect(goMarshalIndent([{ a: [1] }])).toBe('[\n  {\n    "a": [\n      1\n    ]\n  }\n]');
  });

  it('sortedMap orders "10" before "9" even though JS objects would not', () => {
    expect([...sortedMap({ '9': 'a', '10': 'b', b: 'c' }).keys()]).toEqual(['10', '9', 'b']);
  });
});

describe('goMarshal fast path', () => {
  const pieces = [
    'a',
    'Z',
    '0',
    '10',
    '9',
    '<',
    '&',
    '>',
    '\u2028',
    'é',
    '\u00ff',
    '\uffff',
    '😀',
    '\ud800',
    '\n',
    '"',
    '\\',
    'key',
    '-',
  ];
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const str = () => Array.from({ length: rand(4) }, () => pieces[rand(pieces.length)]).join('');
  const value = (depth: number): unknown => {
    switch (depth > 3 ? rand(4) : rand(7)) {
      case 0:
        return str();
      case 1:
        return [0, -0, 1.5, 1e21, 1e-7, 42, -3][rand(7)];
      case 2:
        return [true, false, null][rand(3)];
      case 3:
        return undefined;
      case 4:
        return Array.from({ length: rand(4) }, () => value(depth + 1));
      default:
        return Object.fromEntries(Array.from({ length: rand(5) }, () => [str(), value(depth + 1)]));
    }
  };

  it('writes exactly what the exact encoder writes, for 5000 random values', () => {
    for (let i = 0; i < 5000; i++) {
      const v = { root: value(0) };
      expect(goMarshal(v)).toBe(goMarshalExact(v));
    }
  });
});

describe('goMarshal with keys named like Object.prototype members', () => {
  it('writes a __proto__ key of parsed JSON as Go does, in order or not, at any depth', () => {
    for (const text of [
      '{"b":"1","__proto__":{"x":1}}',
      '{"__proto__":"p","a":{"z":1,"y":2}}',
      '{"data":{"z":"2","__proto__":"p","constructor":"c","toString":"t"}}',
      '{"__proto__":{"__proto__":{"polluted":"yes"}},"b":[{"__proto__":1,"a":2}]}',
    ]) {
      const value = parseJson(text);
      expect(goMarshal(value)).toBe(goMarshalExact(value));
      expect(goMarshal(value)).toContain('"__proto__":');
    }
    expect(goMarshal(parseJson('{"b":"1","__proto__":{"x":1}}'))).toBe('{"__proto__":{"x":1},"b":"1"}');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
