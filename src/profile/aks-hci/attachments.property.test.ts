import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../../errors/index.ts';
import { aksHciView, importAttachment, neededTruncation } from './attachments.ts';
import { buildRunbook, renderText } from '../runbook/index.ts';
import { AttachmentKinds, type AttachmentKind } from '../schema.ts';
import { profile } from '../testing.ts';

/** Fixed seed: a failure names the same counterexample on every run. */
const RUNS = { seed: 0xa45c, numRuns: 250 };
const dir = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'aks-hci');
const FIXTURES: [AttachmentKind, string][] = [
  ['aks-hci-config', 'config.json'],
  ['aks-hci-config', 'config-depth2-utf16le.json'],
  ['aks-hci-cluster', 'cluster.json'],
  ['aks-hci-cluster', 'cluster-depth2-utf16le.json'],
  ['aks-hci-nodepool', 'nodepool-wrapped.json'],
  ['aks-hci-network', 'network.json'],
];
const texts = FIXTURES.map(([kind, file]) => {
  const bytes = readFileSync(join(dir, file));
  const text =
    bytes[0] === 0xff ? bytes.subarray(2).toString('utf16le') : bytes.toString('utf8').replace(/^\uFEFF/, '');
  return { kind, text };
});

/**
 * Imports `bytes` as `kind` and, when accepted, reads it and writes a runbook from it: the only
 * failure allowed is a LifeboatError (a clear message and hint), within a time bound.
 */
function importSafely(kind: AttachmentKind, bytes: Buffer): void {
  const started = performance.now();
  try {
    const a = importAttachment(kind, 'x.json', bytes);
    neededTruncation(a, 'x.json');
    aksHciView([a]);
    renderText(
      buildRunbook({ profile: profile((p) => (p.attachments = [a])), platform: 'aks-hci', backup: 'b' }),
    );
  } catch (err) {
    if (!(err instanceof LifeboatError)) throw err;
    expect(err.message).toContain('x.json');
    expect(err.hint).toBeTruthy();
  }
  expect(performance.now() - started).toBeLessThan(2000);
}

const kind = fc.constantFrom(...AttachmentKinds);
const encode = fc.constantFrom<(t: string) => Buffer>(
  (t) => Buffer.from(t, 'utf8'),
  (t) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t, 'utf8')]),
  (t) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t.replace(/\n/g, '\r\n'), 'utf16le')]),
  (t) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(t, 'utf16le').swap16()]),
);

/** A fixture with a few random edits: cut, inserted text, a value replaced by a type name. */
const mutated = fc
  .tuple(
    fc.constantFrom(...texts),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.nat(40),
        fc.oneof(
          fc.string({ maxLength: 8 }),
          fc.constantFrom(
            '"System.Collections.Hashtable"',
            '"System.Object[]"',
            '"@{a=1; b=}"',
            '{',
            ']',
            '"',
            'null',
            '[[[[[[',
          ),
        ),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([{ kind: k, text }, edits]) => {
    let t = text;
    for (const [at, cut, insert] of edits) {
      const i = at % (t.length + 1);
      t = t.slice(0, i) + insert + t.slice(i + cut);
    }
    return { kind: k, text: t };
  });

describe('AKS-HCI import of random and mutated input (property)', () => {
  it('never crashes on random JSON, as any kind, in any encoding', () => {
    fc.assert(
      fc.property(kind, fc.jsonValue({ maxDepth: 6 }), encode, (k, value, enc) =>
        importSafely(k, enc(JSON.stringify(value, null, 4))),
      ),
      RUNS,
    );
  });

  it('never crashes on mutated real exports', () => {
    fc.assert(
      fc.property(mutated, encode, fc.boolean(), ({ kind: k, text }, enc, asOther) =>
        importSafely(asOther ? 'aks-hci-cluster' : k, enc(text)),
      ),
      RUNS,
    );
  });

  it('never crashes on random bytes', () => {
    fc.assert(
      fc.property(kind, fc.uint8Array({ maxLength: 300 }), (k, b) => importSafely(k, Buffer.from(b))),
      RUNS,
    );
  });

  it('refuses nesting 10,000 levels deep with a clear error, not a stack overflow', () => {
    const deep = `{"Moc": ${'['.repeat(10_000)}${']'.repeat(10_000)}, "AksHci": {}, "Kva": {}}`;
    expect(() => importAttachment('aks-hci-config', 'deep.json', Buffer.from(deep))).toThrow(
      /deep\.json nests 10001 levels deep; ConvertTo-Json writes at most 100/,
    );
  });
});
