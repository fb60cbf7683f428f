import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

/**
 * `backup get` and `backup describe` on a backup in a real filesystem location whose
 * velero-backup.json, resource list and results use keys named like Object.prototype members.
 */
const NAME = 'hostile-keys-1';
/** The keys and values of hostileJson, in order. */
const ALL = [
  ['__proto__', 'p'],
  ['constructor', 'c'],
  ['toString', 't'],
  ['hasOwnProperty', 'h'],
];
const hostileJson = `{"__proto__":"p","constructor":"c","toString":"t","hasOwnProperty":"h"}`;

let dir: string;
let config: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-hostile-json-'));
  const bucket = join(dir, 'bucket');
  const backupDir = join(bucket, 'backups', NAME);
  await mkdir(backupDir, { recursive: true });
  const velero =
    `{"__proto__":{"polluted":"yes"},"kind":"Backup","apiVersion":"velero.io/v1",` +
    `"metadata":{"name":"${NAME}","namespace":"velero","labels":${hostileJson},"annotations":${hostileJson}},` +
    `"spec":{"__proto__":{"ttl":"1h"},"includedNamespaces":["constructor"],"labelSelector":{"matchLabels":${hostileJson}},` +
    `"storageLocation":"hostile"},` +
    `"status":{"__proto__":{"phase":"Completed"},"startTimestamp":"2026-01-01T00:00:00Z","warnings":1}}`;
  await writeFile(join(backupDir, 'velero-backup.json'), velero);
  await writeFile(
    join(backupDir, `${NAME}-resource-list.json.gz`),
    gzipSync('{"__proto__":["constructor/a"],"v1/ConfigMap":["constructor/b","toString/c"]}\n'),
  );
  await writeFile(
    join(backupDir, `${NAME}-results.gz`),
    gzipSync('{"errors":{},"warnings":{"namespaces":{"constructor":["m1"],"__proto__":["m2"]}}}\n'),
  );
  config = join(dir, 'config.yaml');
  await writeFile(
    config,
    [
      'apiVersion: lifeboat.io/v1alpha1',
      'kind: Config',
      'locations:',
      '  - name: hostile',
      '    provider: filesystem',
      `    objectStorage: { bucket: ${JSON.stringify(bucket)} }`,
      '    default: true',
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lifeboat = (...args: string[]) =>
  runCli(['--log-level', 'error', ...args], { env: { LIFEBOAT_CONFIG: config }, timeoutMs: 60_000 });

describe('a velero-backup.json with __proto__ and constructor keys, read by the CLI', () => {
  it('describe shows every label, annotation and selector key, and no value from a __proto__ object', async () => {
    const run = await lifeboat('backup', 'describe', NAME, '--details', '-o', 'json');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const d = JSON.parse(run.stdout) as {
      backup: {
        metadata: { labels: Record<string, string>; annotations: Record<string, string> };
        spec: { ttl?: string; labelSelector: { matchLabels: Record<string, string> } };
        status: { phase?: string };
      };
      resourceList: Record<string, string[]>;
      results: { warnings: { namespaces: Record<string, string[]> } };
    };
    expect(Object.entries(d.backup.metadata.labels)).toEqual(ALL);
    expect(Object.entries(d.backup.metadata.annotations)).toEqual(ALL);
    expect(Object.entries(d.backup.spec.labelSelector.matchLabels)).toEqual(ALL);
    expect(d.backup.status.phase).toBeUndefined();
    expect(d.backup.spec.ttl).toBeUndefined();
    expect(Object.keys(d.resourceList)).toEqual(['__proto__', 'v1/ConfigMap']);
    expect(Object.keys(d.results.warnings.namespaces)).toEqual(['constructor', '__proto__']);
  }, 60_000);

  it('describe as text and get list the backup with its __proto__ label and selector', async () => {
    const text = await lifeboat('backup', 'describe', NAME);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('Labels:       __proto__=p, constructor=c, toString=t, hasOwnProperty=h');
    expect(text.stdout).toContain('Phase:        unknown');
    const get = await lifeboat('backup', 'get', '-o', 'json');
    expect(get.status).toBe(0);
    const [row] = JSON.parse(get.stdout) as { name: string; selector: string }[];
    expect(row!.name).toBe(NAME);
    expect(row!.selector).toContain('__proto__=p');
  }, 60_000);
});
