import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli.ts';

/**
 * `--hooks-file` on the command line: a bad file is refused before anything is reached (no cluster,
 * no location), with the file, the field and what is wrong, and exit 2; a good one is stored in a
 * schedule's template as Velero's spec.hooks, which `schedule describe` shows.
 */
let dir = '';

const GOOD = `resources:
  - name: quiesce
    includedNamespaces: [shop]
    pre:
      - exec:
          command: [sh, -c, "echo frozen > /data/frozen"]
          onError: Fail
          timeout: 1m
`;

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** backup create with a hooks file, against a kubeconfig that does not exist: it must never get there. */
const backupWith = (hooksFile: string, ...more: string[]) =>
  runCli(['backup', 'create', 'b1', '--hooks-file', hooksFile, '--kubeconfig', join(dir, 'none'), ...more], {
    timeoutMs: 60_000,
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-cli-hooks-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('--hooks-file on the command line', { timeout: 120_000 }, () => {
  it('refuses a file that is not YAML, saying where', async () => {
    const run = await backupWith(await file('broken.yaml', 'resources:\n  - name: [unclosed\n'));
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/Error: --hooks-file .*broken\.yaml is not valid YAML or JSON \(line \d+\)/);
    expect(run.stderr).toContain("hint: give Velero's spec.hooks");
  });

  it('refuses an unknown onError, naming the field', async () => {
    const run = await backupWith(await file('onerror.yaml', GOOD.replace('onError: Fail', 'onError: Retry')));
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('resources[0].pre[0].exec.onError: onError is Continue or Fail');
  });

  it('refuses a command of more than 1,024 arguments', async () => {
    const args = Array.from({ length: 1_100 }, (_, i) => `arg${i}`);
    const hooks = { resources: [{ name: 'long', pre: [{ exec: { command: args } }] }] };
    const run = await backupWith(await file('args.json', JSON.stringify(hooks)));
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      'resources[0].pre[0].exec.command: more than 1024 arguments: lifeboat runs at most 1024',
    );
  });

  it('refuses a missing file, and --hooks-file with --from-schedule', async () => {
    const missing = await backupWith(join(dir, 'nope.yaml'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--hooks-file .*nope\.yaml cannot be read/);
    const both = await runCli(['backup', 'create', '--from-schedule', 's', '--hooks-file', join(dir, 'x')]);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('--hooks-file cannot be combined with --from-schedule');
  });

  it("stores a schedule's hooks in its template, and refuses a bad file leaving the config as it was", async () => {
    const config = await file(
      'config.yaml',
      'apiVersion: lifeboat.io/v1alpha1\nkind: Config\nlocations:\n  - name: main\n    provider: filesystem\n    objectStorage: {bucket: /tmp/none}\n    default: true\n',
    );
    const env = { LIFEBOAT_CONFIG: config };
    const good = await runCli(
      [
        'schedule',
        'create',
        'nightly',
        '--schedule',
        '@daily',
        '--hooks-file',
        await file('good.yaml', GOOD),
      ],
      { env },
    );
    expect(good.status, good.stderr).toBe(0);
    const stored = parse(await readFile(config, 'utf8')) as {
      schedules: { name: string; template?: { hooks?: unknown } }[];
    };
    expect(stored.schedules[0]?.template?.hooks).toEqual({
      resources: [
        {
          name: 'quiesce',
          includedNamespaces: ['shop'],
          pre: [
            { exec: { command: ['sh', '-c', 'echo frozen > /data/frozen'], onError: 'Fail', timeout: '1m' } },
          ],
        },
      ],
    });
    const before = await readFile(config, 'utf8');
    const bad = await runCli(
      [
        'schedule',
        'create',
        'hourly',
        '--schedule',
        '@hourly',
        '--hooks-file',
        await file('bad.yaml', GOOD.replace('timeout: 1m', 'timeout: soon')),
      ],
      { env },
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('resources[0].pre[0].exec.timeout: not a Go duration');
    expect(await readFile(config, 'utf8')).toBe(before);
  });

  it("shows a schedule's hooks in schedule describe, as text, JSON and YAML", async () => {
    const bucket = join(dir, 'store');
    await mkdir(bucket);
    const config = await file(
      'describe.yaml',
      `apiVersion: lifeboat.io/v1alpha1\nkind: Config\nlocations:\n  - name: main\n    provider: filesystem\n    objectStorage: {bucket: ${bucket}}\n    default: true\n`,
    );
    const env = { LIFEBOAT_CONFIG: config };
    const hooksFile = await file('describe-hooks.yaml', GOOD);
    for (const [name, more] of [
      ['with-hooks', ['--hooks-file', hooksFile]],
      ['without-hooks', []],
    ] as const) {
      const made = await runCli(['schedule', 'create', name, '--schedule', '@daily', ...more], { env });
      expect(made.status, made.stderr).toBe(0);
    }
    const text = await runCli(['schedule', 'describe', 'with-hooks'], { env });
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain(
      [
        'Hooks:',
        '  Resources:',
        '    quiesce:',
        '      Namespaces:  included shop, excluded <none>',
        '      Resources:   included *, excluded <none>',
        '      Label selector: <none>',
        '      Pre exec hooks:',
        '        - container <first>, command ["sh","-c","echo frozen > /data/frozen"], on error Fail, timeout 1m',
      ].join('\n'),
    );
    const plain = await runCli(['schedule', 'describe', 'without-hooks'], { env });
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stdout).toContain('Name:             without-hooks');
    expect(plain.stdout).not.toContain('Hooks:');
    const expected = {
      resources: [
        {
          name: 'quiesce',
          includedNamespaces: ['shop'],
          pre: [
            { exec: { command: ['sh', '-c', 'echo frozen > /data/frozen'], onError: 'Fail', timeout: '1m' } },
          ],
        },
      ],
    };
    for (const output of ['json', 'yaml'] as const) {
      const run = await runCli(['schedule', 'describe', 'with-hooks', 'without-hooks', '-o', output], {
        env,
      });
      expect(run.status, run.stderr).toBe(0);
      const described = parse(run.stdout) as { name: string; hooks?: unknown }[];
      expect(described.map((d) => [d.name, d.hooks])).toEqual([
        ['with-hooks', expected],
        ['without-hooks', undefined],
      ]);
    }
  });
});
