import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../errors/index.ts';
import { checkHooks, MAX_HOOKS_FILE_BYTES, parseHooksText, readHooksFile } from './hooks-file.ts';

const SPEC = `resources:
  - name: quiesce
    includedNamespaces: [shop]
    labelSelector:
      matchLabels: {app: db}
    pre:
      - exec:
          container: db
          command: [sh, -c, "echo frozen > /data/frozen"]
          onError: Fail
          timeout: 1m
    post:
      - exec:
          command: [sh, -c, unfreeze]
`;

/** The USAGE error's message, or a failure when the text parses. */
function problem(text: string): string {
  try {
    parseHooksText(text, '--hooks-file h.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(LifeboatError);
    expect((err as LifeboatError).code).toBe('USAGE');
    return (err as LifeboatError).message;
  }
  throw new Error('the text was accepted');
}

describe('the hooks file', () => {
  it("reads Velero's spec.hooks shape in YAML", () => {
    const hooks = parseHooksText(SPEC, 'h.yaml');
    expect(hooks.resources?.[0]).toEqual({
      name: 'quiesce',
      includedNamespaces: ['shop'],
      labelSelector: { matchLabels: { app: 'db' } },
      pre: [
        {
          exec: {
            container: 'db',
            command: ['sh', '-c', 'echo frozen > /data/frozen'],
            onError: 'Fail',
            timeout: '1m',
          },
        },
      ],
      post: [{ exec: { command: ['sh', '-c', 'unfreeze'] } }],
    });
  });

  it("takes a Velero Backup manifest's spec.hooks, or a Schedule's spec.template.hooks, in JSON too", () => {
    const backup = {
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      metadata: { name: 'b', namespace: 'velero' },
      spec: {
        includedNamespaces: ['shop'],
        hooks: { resources: [{ name: 'h', pre: [{ exec: { command: ['sync'] } }] }] },
      },
    };
    expect(parseHooksText(JSON.stringify(backup), 'b.json').resources?.[0]?.name).toBe('h');
    const schedule = { kind: 'Schedule', spec: { schedule: '@daily', template: backup.spec } };
    expect(parseHooksText(JSON.stringify(schedule), 's.json').resources?.[0]?.name).toBe('h');
    expect(problem(JSON.stringify({ kind: 'Backup', spec: {} }))).toBe(
      '--hooks-file h.yaml: the manifest has no spec.hooks',
    );
    expect(problem('kind: Restore\nspec: {}\n')).toMatch(/kind "Restore" is not a Velero Backup or Schedule/);
  });

  it('says where the YAML is broken', () => {
    expect(problem('resources:\n  - name: [unclosed\n')).toMatch(
      /^--hooks-file h.yaml is not valid YAML or JSON \(line \d+\)/,
    );
    expect(problem('- a\n- b\n')).toMatch(/expected a mapping/);
  });

  it('names the field of an unknown onError, an unknown field, an empty command and a missing name', () => {
    expect(problem(SPEC.replace('onError: Fail', 'onError: Ignore'))).toBe(
      '--hooks-file h.yaml: resources[0].pre[0].exec.onError: onError is Continue or Fail',
    );
    expect(problem(SPEC.replace('onError: Fail', 'on-error: Fail'))).toBe(
      '--hooks-file h.yaml: resources[0].pre[0].exec: unknown field "on-error"',
    );
    expect(problem('resources:\n  - name: x\n    pre: [{exec: {command: []}}]\n')).toMatch(
      /resources\[0\]\.pre\[0\]\.exec\.command: the command is empty/,
    );
    expect(problem('resources:\n  - pre: [{exec: {command: [x]}}]\n')).toMatch(
      /^--hooks-file h.yaml: resources\[0\]\.name: /,
    );
    expect(problem(SPEC.replace('timeout: 1m', 'timeout: 1 minute'))).toMatch(
      /resources\[0\]\.pre\[0\]\.exec\.timeout: not a Go duration/,
    );
    const manifest = {
      kind: 'Backup',
      spec: { hooks: { resources: [{ name: 'x', pre: [{ exec: { command: ['a'], onError: 'no' } }] }] } },
    };
    expect(problem(JSON.stringify(manifest))).toBe(
      '--hooks-file h.yaml: spec.hooks.resources[0].pre[0].exec.onError: onError is Continue or Fail',
    );
  });

  it('refuses more than the bounds: arguments, command size, resource hooks, bad selectors and globs', () => {
    const args = Array.from({ length: 1_025 }, (_, i) => `a${i}`);
    const many = { resources: [{ name: 'x', pre: [{ exec: { command: args } }] }] };
    expect(problem(JSON.stringify(many))).toBe(
      '--hooks-file h.yaml: resources[0].pre[0].exec.command: more than 1024 arguments: lifeboat runs at most 1024',
    );
    const big = { resources: [{ name: 'x', pre: [{ exec: { command: ['x'.repeat(65 * 1024)] } }] }] };
    expect(problem(JSON.stringify(big))).toMatch(/exec\.command: the command is over 64 KiB/);
    const specs = { resources: Array.from({ length: 101 }, (_, i) => ({ name: `h${i}` })) };
    expect(problem(JSON.stringify(specs))).toMatch(
      /^--hooks-file h.yaml: resources: more than 100 resource hooks/,
    );
    const selector = {
      resources: [{ name: 'x', labelSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }],
    };
    expect(problem(JSON.stringify(selector))).toMatch(
      /matchExpressions\[0\]\.values: In needs at least one value/,
    );
    const glob = { resources: [{ name: 'x', includedNamespaces: ['[unclosed'] }] };
    expect(problem(JSON.stringify(glob))).toMatch(/resources\[0\]\.includedNamespaces: /);
  });

  it('checks hooks given as data (a request, the API) the same way', () => {
    expect(() =>
      checkHooks({ resources: [{ name: 'x', pre: [{ exec: { command: 'sync' } }] }] }, 'the request'),
    ).toThrow(/^the request: resources\[0\]\.pre\[0\]\.exec\.command: a list of strings/);
    expect(checkHooks({}, 'the request')).toEqual({});
  });

  it('reads a file, refusing a missing one and one over the size bound', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-hooks-file-'));
    try {
      await writeFile(join(dir, 'hooks.yaml'), SPEC);
      expect((await readHooksFile(join(dir, 'hooks.yaml'))).resources).toHaveLength(1);
      await expect(readHooksFile(join(dir, 'missing.yaml'))).rejects.toThrow(
        /--hooks-file .*missing\.yaml cannot be read/,
      );
      await writeFile(join(dir, 'big.yaml'), `# ${'x'.repeat(MAX_HOOKS_FILE_BYTES)}\n`);
      await expect(readHooksFile(join(dir, 'big.yaml'))).rejects.toThrow(/is larger than 1048576 bytes/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
