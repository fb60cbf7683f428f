import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redact } from '../../errors/index.ts';
import { redactTree } from './redaction.ts';

/** Fixed seed: a failure names the same counterexample on every run. */
const SEED = 0x1ea4;
const RUNS = { seed: SEED, numRuns: 300 };

const ALNUM = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'];
const B64 = [...ALNUM, '+', '/'];
const token = (min: number, max: number, alphabet = ALNUM) =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength: min, maxLength: max });

/** A secret word in every case and separator style, with words before and after. */
const secretKey = fc
  .tuple(
    fc.constantFrom('', 'admin', 'proxy server', 'storage account', 'client', 'db', 'x', 'aws', 'ssh'),
    fc.constantFrom(
      'password',
      'secret',
      'token',
      'account key',
      'access key',
      'api key',
      'pwd',
      'passphrase',
      'key data',
      'private key',
      'credentials',
      'connection string',
    ),
    fc.constantFrom('', 'value', 'data', '2'),
    fc.constantFrom('camel', 'snake', 'kebab', 'upper', 'lower', 'pascal'),
  )
  .map(([before, word, after, style]) => {
    const words = `${before} ${word} ${after}`.trim().split(/\s+/);
    switch (style) {
      case 'camel':
        return words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('');
      case 'pascal':
        return words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
      case 'snake':
        return words.join('_');
      case 'kebab':
        return words.join('-');
      case 'upper':
        return words.join('_').toUpperCase();
      default:
        return words.join('');
    }
  });

/** A value shaped like a secret, and the part of it that must not survive (under any key). */
const secretShaped = fc.oneof(
  token(86, 86, B64).map((k) => ({ text: `${k}==`, core: k })),
  fc
    .tuple(token(10, 30), token(10, 60), token(20, 80))
    .map(([h, p, s]) => ({ text: `eyJ${h}.eyJ${p}.${s}`, core: `${p}.${s}` })),
  token(16, 16, [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789']).map((k) => ({
    text: `AKIA${k}`,
    core: `AKIA${k}`,
  })),
  fc
    .tuple(fc.constantFrom('http', 'https', 'socks5', 'ftp'), token(3, 12), token(12, 30))
    .map(([scheme, user, pass]) => ({ text: `${scheme}://${user}:${pass}@proxy.local:3128/x`, core: pass })),
  token(40, 88, B64).map((k) => ({
    text: `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${k}==;EndpointSuffix=core.windows.net`,
    core: k,
  })),
  token(20, 60).map((s) => ({ text: `https://a.blob.core.windows.net/c?sv=2022&sig=${s}%3D&se=1`, core: s })),
  fc.tuple(token(30, 60, B64), token(20, 40)).map(([key, tok]) => ({
    text: `users:\n- name: u\n  user:\n    client-key-data: ${key}\n    token: ${tok}\n`,
    core: key.length > tok.length ? key : tok,
  })),
  token(64, 200, B64).map((b) => ({
    text: `-----BEGIN EC PRIVATE KEY-----\n${b}\n-----END EC PRIVATE KEY-----`,
    core: b,
  })),
  token(20, 40).map((t) => ({ text: `Authorization: Bearer ${t}`, core: t })),
);

/** Puts `value` at a random place in `tree` (in arrays, under a new key) and returns the new tree. */
function insertAt(tree: unknown, path: readonly number[], key: string, value: unknown): unknown {
  let node: unknown = tree;
  for (const step of path) {
    const children: unknown[] = Array.isArray(node)
      ? node
      : typeof node === 'object' && node !== null
        ? Object.values(node)
        : [];
    const next: unknown = children[step % Math.max(children.length, 1)];
    if (typeof next !== 'object' || next === null) break;
    node = next;
  }
  if (Array.isArray(node)) node.push({ [key]: value });
  else if (typeof node === 'object' && node !== null) Object.assign(node, { [key]: value });
  else return { data: tree, [key]: value };
  return tree;
}

const tree = fc.jsonValue({ maxDepth: 6 });
const path = fc.array(fc.nat(20), { maxLength: 6 });

describe('redaction of random trees (property)', () => {
  it('never leaves a secret put under a secret-named key, at any place', () => {
    fc.assert(
      fc.property(tree, path, secretKey, token(20, 48), (t, p, key, secret) => {
        const planted = insertAt(structuredClone(t), p, key, secret);
        expect(JSON.stringify(redactTree(planted, []))).not.toContain(secret);
      }),
      RUNS,
    );
  });

  it('never leaves a secret-shaped value, under any key', () => {
    fc.assert(
      fc.property(
        tree,
        path,
        fc.constantFrom('value', 'notes', 'url', 'x', 'config'),
        secretShaped,
        (t, p, key, s) => {
          const planted = insertAt(structuredClone(t), p, key, s.text);
          expect(JSON.stringify(redactTree(planted, []))).not.toContain(s.core);
          expect(redact(JSON.stringify(planted))).not.toContain(s.core);
        },
      ),
      RUNS,
    );
  });

  it('is idempotent and never throws', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (t) => {
        const once = redactTree(t, []);
        expect(redactTree(once, [])).toEqual(once);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        expect(redact(redact(s))).toBe(redact(s));
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('walks a tree nested 10,000 levels deep without running out of stack', () => {
    let deep: unknown = { password: 'deep-secret-value-1234' };
    for (let i = 0; i < 10_000; i++) deep = i % 2 ? { a: deep } : [deep];
    const redacted: string[] = [];
    const out = redactTree(deep, redacted);
    expect(redacted).toHaveLength(1);
    let node = out;
    for (let i = 0; i < 10_000; i++) node = Array.isArray(node) ? node[0] : (node as { a: unknown }).a;
    expect(node).toEqual({ password: '[REDACTED]' });
  });

  it('takes linear time on adversarial text', () => {
    const inputs = [
      'a:'.repeat(100_000),
      'password='.repeat(30_000),
      'token: \\"'.repeat(30_000),
      '"secret":"'.repeat(30_000),
      'https://'.repeat(30_000) + 'x@y',
      'a.a-a_'.repeat(50_000),
      '-----BEGIN RSA PRIVATE KEY-----'.repeat(10_000),
      'eyJ'.repeat(100_000),
      'A'.repeat(300_000),
      `token:\n${' '.repeat(200_000)}x`,
      `password: |\n${'  a\n'.repeat(50_000)}`,
      "password='".repeat(40_000),
      'password=\\\\\\"'.repeat(40_000),
      'password:\n'.repeat(40_000),
    ];
    for (const text of inputs) {
      const started = performance.now();
      redact(text);
      expect(performance.now() - started, text.slice(0, 30)).toBeLessThan(1500);
    }
  });
});
