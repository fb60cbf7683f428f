import { describe, expect, it } from 'vitest';
import { goMarshal } from './go-json.ts';
import { parseJson } from './parse-json.ts';
import { GoJsonPlanner } from './planner.ts';

/** A JSON value whose objects keep the member order given (as the API server's struct order does). */
type Value = null | boolean | number | string | Value[] | { members: [string, Value][] };

/** Compact JSON as Go's encoder writes it (HTML-escaped), members in the order given. */
function serverJson(v: Value): string {
  if (v === null || typeof v !== 'object') return goString(v);
  if (Array.isArray(v)) return `[${v.map(serverJson).join(',')}]`;
  return `{${v.members.map(([k, m]) => `${goString(k)}:${serverJson(m)}`).join(',')}}`;
}

function goString(v: null | boolean | number | string): string {
  return JSON.stringify(v).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const obj = (...members: [string, Value][]): Value => ({ members });

/** Plans `text` as a listed item of apiVersion/kind; the planned bytes, or undefined when it declined. */
function planned(text: string, apiVersion = 'v1', kind = 'Pod'): string | undefined {
  const planner = new GoJsonPlanner();
  const input = Buffer.from(`[${text},{}]`); // in a list, as items come
  planner.setType(apiVersion, kind);
  const end = planner.plan(input, 1);
  if (end < 0) return undefined;
  expect(end).toBe(1 + Buffer.byteLength(text));
  const out = Buffer.alloc(planner.size + 8, 0x7e);
  planner.write(out, 4);
  expect(out.subarray(0, 4).toString()).toBe('~~~~');
  expect(out.subarray(4 + planner.size).toString()).toBe('~~~~');
  return out.toString('utf8', 4, 4 + planner.size);
}

/** What the backup must store: goMarshal of the parsed item with apiVersion/kind set. */
function reference(text: string, apiVersion = 'v1', kind = 'Pod'): string {
  const item = parseJson(text) as Record<string, unknown>;
  item['apiVersion'] = apiVersion;
  item['kind'] = kind;
  return goMarshal(item);
}

const pod = obj(
  [
    'metadata',
    obj(
      ['name', 'web-0-79c85f58cb-s52tf'],
      ['generateName', 'web-0-79c85f58cb-'],
      ['namespace', 'bench-0000'],
      ['uid', '4c789cb5-1121-4532-9301-e786751ef6dd'],
      ['resourceVersion', '656'],
      ['generation', 1],
      ['creationTimestamp', '2026-11-25T17:53:44Z'],
      ['labels', obj(['app', 'web-0'], ['pod-template-hash', '79c85f58cb'])],
      [
        'managedFields',
        [
          obj(
            ['manager', 'kube-controller-manager'],
            ['operation', 'Update'],
            ['apiVersion', 'v1'],
            ['fieldsType', 'FieldsV1'],
            [
              'fieldsV1',
              obj(
                ['f:metadata', obj(['f:labels', obj(['.', obj()], ['f:app', obj()])])],
                [
                  'f:spec',
                  obj([
                    'f:containers',
                    obj(
                      ['k:{"name":"web"}', obj(['.', obj()], ['f:image', obj()])],
                      ['k:{"name":"z"}', obj()],
                    ),
                  ]),
                ],
              ),
            ],
          ),
        ],
      ],
    ),
  ],
  [
    'spec',
    obj(
      ['volumes', [obj(['name', 'data'], ['persistentVolumeClaim', obj(['claimName', 'data'])])]],
      [
        'containers',
        [
          obj(
            ['name', 'web'],
            ['image', 'nginx:1.27'],
            ['args', ['--a=<b>', 'tab\there', 'quote"d', 'back\\slash', 'ctl\u0001', 'bs\b ff\f']],
            ['ports', [obj(['containerPort', 8080], ['protocol', 'TCP'])]],
            ['resources', obj()],
          ),
        ],
      ],
      ['restartPolicy', 'Always'],
      ['terminationGracePeriodSeconds', 30],
      ['enableServiceLinks', true],
      ['nodeSelector', null],
    ),
  ],
  ['status', obj(['phase', 'Pending'], ['conditions', []], ['qosClass', 'BestEffort'])],
);

describe('GoJsonPlanner: goMarshal from the API server bytes', () => {
  it('writes a Pod as goMarshal does (keys sorted at every level, apiVersion and kind added)', () => {
    const text = serverJson(pod);
    const out = planned(text);
    expect(out).toBeDefined();
    expect(out).toBe(reference(text));
    expect(out!.startsWith('{"apiVersion":"v1","kind":"Pod","metadata":{"creationTimestamp"')).toBe(true);
  });

  it('plans the same bytes from a Buffer, a plain Uint8Array and a view into a larger buffer', () => {
    const text = serverJson(pod);
    const expected = reference(text);
    const buffer = Buffer.from(`[${text}]`);
    const plain = new Uint8Array(buffer);
    const pool = Buffer.alloc(buffer.length + 100, 0x20);
    buffer.copy(pool, 37);
    const view = pool.subarray(37, 37 + buffer.length);
    const planner = new GoJsonPlanner(); // one planner for all, as a backup uses it
    planner.setType('v1', 'Pod');
    for (const input of [buffer, plain, view, buffer]) {
      expect(planner.plan(input, 1)).toBe(1 + Buffer.byteLength(text));
      const out = Buffer.alloc(planner.size);
      planner.write(out, 0);
      expect(out.toString('utf8')).toBe(expected);
    }
  });

  it('declines, without throwing, an object nested deeper than the stack allows', () => {
    const depth = 20_000;
    const text = `{"metadata":{"name":"deep"},"spec":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    expect(planned(text)).toBeUndefined();
  });

  it('replaces an item its own apiVersion and kind (custom resources carry them)', () => {
    const text = serverJson(
      obj(['apiVersion', 'x.io/v1beta1'], ['kind', 'Old'], ['metadata', obj(['name', 'a'])]),
    );
    expect(planned(text, 'x.io/v1', 'Widget')).toBe(
      '{"apiVersion":"x.io/v1","kind":"Widget","metadata":{"name":"a"}}',
    );
    expect(planned(text, 'x.io/v1', 'Widget')).toBe(reference(text, 'x.io/v1', 'Widget'));
    expect(planned('{}', 'v1', 'Namespace')).toBe('{"apiVersion":"v1","kind":"Namespace"}');
    expect(planned('{"zz":1}', 'v1', 'Namespace')).toBe('{"apiVersion":"v1","kind":"Namespace","zz":1}');
  });

  it('orders escaped keys by their decoded bytes, as Go sorts map keys', () => {
    // Raw bytes would put `v:1` before `v:\"a\"` (0x31 < 0x5c); decoded, `"` (0x22) comes first.
    const text = serverJson(
      obj(['metadata', obj(['name', 'n'])], ['f', obj(['v:1', 1], ['v:"a"', 2], ['v:\\', 3], ['v:', 4])]),
    );
    expect(planned(text)).toBe(reference(text));
    expect(planned(text)).toContain('{"v:":4,"v:\\"a\\"":2,"v:1":1,"v:\\\\":3}');
  });

  it('sorts integer-like keys bytewise ("10" < "9"), unlike JavaScript objects', () => {
    const text = serverJson(obj(['data', obj(['9', 'x'], ['10', 'y'], ['a', 'z'])]));
    expect(planned(text)).toBe('{"apiVersion":"v1","data":{"10":"y","9":"x","a":"z"},"kind":"Pod"}');
    expect(planned(text)).toBe(reference(text));
  });

  it('keeps the escapes Go writes: \\u003c \\u003e \\u0026 \\u2028 \\u2029 control characters \\b \\f', () => {
    const text = serverJson(obj(['s', '<>&\u2028\u2029\u0000\u001f\b\f\n\r\t"\\']));
    expect(planned(text)).toBe(reference(text));
  });

  it('declines what it cannot vouch for, so the caller takes the exact path', () => {
    for (const text of [
      '{"a":1.5}', // floats: Go may print them differently
      '{"a":1e3}',
      '{"a":-0}',
      '{"a":1234567890123456789}', // 19 digits: may not fit int64
      '{"a":01}',
      '{"a":"é"}', // non-ASCII
      '{"a":"\\/"}', // an escape Go never writes
      '{"a":"\\u0041"}',
      '{"a":"\\u003C"}', // upper-case hex
      '{"a":"\\ud83d\\ude00"}',
      '{"a":"<"}', // Go would escape it
      '{"a":1,"a":2}', // duplicate keys (Go keeps the last)
      '{"b":1,"a":2,"b":3}',
      '{"k\\n":1}', // keys only with \\" and \\\\
      '{"a": 1}', // whitespace: not the server's compact encoder
      '{"a":tru}',
      '{"a":[1,]}',
      '{"a":1',
      '[1]',
    ]) {
      expect(planned(text), text).toBeUndefined();
    }
  });

  it('matches goMarshal on random objects whenever it plans one, and plans the plain ones', () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const keys = [
      'a',
      'b',
      'B',
      '_x',
      'name',
      'z9',
      '10',
      '9',
      'k:{"n":"1"}',
      'k:{"n":"2"}',
      'v:\\',
      'apiVersion',
      'kind',
      'metadata',
    ];
    const strings = ['', 'x', 'a<b', 'q"uote', 'new\nline', 'é', 'ok', '\u2028'];
    const numbers = [0, 1, -7, 30, 123456789012345, 1.5, -0];
    const value = (depth: number): Value => {
      const r = random(depth > 3 ? 4 : 7);
      if (r === 0) return strings[random(strings.length)]!;
      if (r === 1) return numbers[random(numbers.length)]!;
      if (r === 2) return random(2) === 0;
      if (r === 3) return null;
      if (r === 4) return Array.from({ length: random(4) }, () => value(depth + 1));
      const members = new Map<string, Value>();
      for (let i = random(6); i > 0; i--) members.set(keys[random(keys.length)]!, value(depth + 1));
      return { members: [...members] };
    };
    let plannedCount = 0;
    for (let i = 0; i < 3000; i++) {
      const members = new Map<string, Value>();
      for (let k = random(6); k > 0; k--) members.set(keys[random(keys.length)]!, value(1));
      const text = serverJson({ members: [...members] });
      const out = planned(text);
      if (out !== undefined) {
        plannedCount++;
        expect(out, text).toBe(reference(text));
      } else {
        // Declined only for a reason listed above: a float, -0, non-ASCII or an escape it leaves alone.
        expect(/\d\.\d|-0[,\]}]|é|\\u2028/.test(text), text).toBe(true);
      }
    }
    expect(plannedCount).toBeGreaterThan(1000);
  });

  it('reads the identity of the item from its metadata', () => {
    const planner = new GoJsonPlanner();
    const text = serverJson(
      obj(
        ['kind', 'ConfigMap'],
        [
          'metadata',
          obj(
            ['name', 'cm'],
            ['namespace', 'ns1'],
            ['labels', obj(['a', 'b'])],
            ['deletionTimestamp', '2026-01-01T00:00:00Z'],
          ),
        ],
        ['data', obj(['name', 'not-this-one'])],
      ),
    );
    const input = Buffer.from(text);
    planner.setType('v1', 'ConfigMap');
    expect(planner.plan(input, 0)).toBe(input.length);
    const m = planner.metadata;
    expect(input.toString('utf8', m.nameStart, m.nameEnd)).toBe('"cm"');
    expect(input.toString('utf8', m.namespaceStart, m.namespaceEnd)).toBe('"ns1"');
    expect(input.toString('utf8', m.labelsStart, m.labelsEnd)).toBe('{"a":"b"}');
    expect(m.deleting).toBe(true);
    planner.plan(Buffer.from('{"metadata":{"name":"x","deletionTimestamp":null}}'), 0);
    expect(planner.metadata.deleting).toBe(false);
    expect(planner.metadata.namespaceStart).toBe(-1);
  });
});

describe('GoJsonPlanner with keys named like Object.prototype members', () => {
  it('stores a ConfigMap whose data keys are __proto__, constructor, toString as goMarshal does', () => {
    const text =
      '{"metadata":{"name":"cm","namespace":"constructor","labels":{"toString":"x"}},' +
      '"data":{"z":"1","__proto__":"p","constructor":"c","toString":"t","hasOwnProperty":"h"}}';
    const bytes = planned(text, 'v1', 'ConfigMap');
    expect(bytes).toBe(reference(text, 'v1', 'ConfigMap'));
    expect(bytes).toContain('"__proto__":"p"');
  });
});
