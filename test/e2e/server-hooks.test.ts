/**
 * The backup spec's hooks through lifeboat's real server: a template posted to POST /api/v1/backups
 * with `hooks`, and a schedule whose template has them run through the same API, each give a backup
 * whose velero-backup.json carries Velero's spec.hooks and whose `backup describe` lists them; a
 * template with a bad hook is refused with 400 naming the field, and no backup is made.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { eventually } from '../helpers/kube.ts';
import { createLocations, type LocationsFixture } from '../helpers/locations.ts';
import { startServer, type ServerProcess } from '../helpers/server.ts';

const harness = inject('harness');
const source = harness.clusters['source']!.kubeconfig;
const TOKEN = randomBytes(24).toString('hex');
const suffix = randomBytes(3).toString('hex');
let locations: LocationsFixture;

/** Hooks as a request gives them (Velero's spec.hooks); the pods they select need not exist. */
const hooks = (name: string) => ({
  resources: [
    {
      name,
      includedNamespaces: ['kube-system'],
      labelSelector: { matchLabels: { app: 'db' } },
      pre: [
        { exec: { container: 'db', command: ['sh', '-c', 'sync'], onError: 'Continue', timeout: '90s' } },
      ],
      post: [{ exec: { command: ['true'] } }],
    },
  ],
});

/** The same hooks as velero-backup.json records them (Go's field order, durations and empty fields). */
const recorded = (name: string) => ({
  resources: [
    {
      name,
      includedNamespaces: ['kube-system'],
      labelSelector: { matchLabels: { app: 'db' } },
      pre: [
        { exec: { container: 'db', command: ['sh', '-c', 'sync'], onError: 'Continue', timeout: '1m30s' } },
      ],
      post: [{ exec: { command: ['true'], timeout: '0s' } }],
    },
  ],
});

const template = (name: string) => ({
  includedNamespaces: ['kube-system'],
  includeClusterResources: false,
  hooks: hooks(name),
});

/** `lifeboat server` with this file's config and token, once ready: the API takes backups once its scheduler runs. */
const serve = () =>
  startServer({
    args: ['--kubeconfig', source],
    env: { ...locations.env, LIFEBOAT_API_TOKEN: TOKEN },
    ready: true,
  });

async function post<T>(server: ServerProcess, body: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}/api/v1/backups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function storedPhase(name: string): Promise<string | undefined> {
  const run = await runCli(
    ['--log-level', 'error', 'backup', 'get', '--storage-location', 'fs', '-o', 'json'],
    {
      env: locations.env,
    },
  );
  expect(run.status, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { name: string; phase: string }[]).find((b) => b.name === name)?.phase;
}

/** The backup's stored spec.hooks and its `backup describe` text. */
async function stored(name: string): Promise<{ hooks: unknown; described: string }> {
  const json = JSON.parse(
    await readFile(join(locations.fsRoot, 'backups', name, 'velero-backup.json'), 'utf8'),
  ) as { spec: { hooks?: unknown } };
  const run = await runCli(['--log-level', 'error', 'backup', 'describe', name, '--storage-location', 'fs'], {
    env: locations.env,
  });
  expect(run.status, run.stderr).toBe(0);
  return { hooks: json.spec.hooks, described: run.stdout };
}

function expectDescribed(text: string, name: string): void {
  expect(text).toContain(
    [
      'Hooks:',
      '  Resources:',
      `    ${name}:`,
      '      Namespaces:  included kube-system, excluded <none>',
      '      Resources:   included *, excluded <none>',
      '      Label selector: app=db',
      '      Pre exec hooks:',
      '        - container db, command ["sh","-c","sync"], on error Continue, timeout 1m30s',
      '      Post exec hooks:',
      '        - container <first>, command ["true"], on error Fail, timeout 30s (default)',
    ].join('\n'),
  );
}

beforeAll(async () => {
  locations = await createLocations(harness);
  const config = parse(await readFile(locations.configPath, 'utf8')) as Record<string, unknown>;
  // Due once a year, and no catching up of the slot it missed on 1 January: it runs here only when
  // the API asks it to (a catch-up run at start would still be running when the test asks).
  const schedule = {
    name: `hooked-${suffix}`,
    schedule: '0 0 1 1 *',
    catchUp: 'none',
    storageLocation: 'fs',
    template: template('from-schedule'),
  };
  await writeFile(locations.configPath, stringify({ ...config, schedules: [schedule] }));
});

afterAll(async () => {
  await locations?.cleanup();
});

describe("the server's backups with the backup spec's hooks", () => {
  it('records the hooks of a posted template and of a schedule run through the API, and refuses a bad hook', async () => {
    const server = await serve();
    try {
      const bad = await post<{ field: string }>(server, {
        name: `bad-${suffix}`,
        storageLocation: 'fs',
        template: {
          ...template('bad'),
          hooks: { resources: [{ name: 'bad', pre: [{ exec: { command: ['x'], onError: 'Maybe' } }] }] },
        },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.field).toMatch(/^template\.hooks/);

      const adhoc = await post<{ name: string }>(server, {
        name: `api-hooks-${suffix}`,
        storageLocation: 'fs',
        template: template('from-api'),
      });
      expect(adhoc.status, `${JSON.stringify(adhoc.body)} ${server.output().slice(-3000)}`).toBe(202);
      const run = await post<{ name: string; schedule: string }>(server, { schedule: `hooked-${suffix}` });
      expect(run.status, JSON.stringify(run.body)).toBe(202);
      expect(run.body.schedule).toBe(`hooked-${suffix}`);

      for (const [name, hookName] of [
        [adhoc.body.name, 'from-api'],
        [run.body.name, 'from-schedule'],
      ] as const) {
        await eventually(
          `backup ${name} Completed`,
          async () => ((await storedPhase(name)) === 'Completed' ? true : undefined),
          {
            timeoutMs: 90_000,
            intervalMs: 1000,
          },
        );
        const { hooks: spec, described } = await stored(name);
        expect(spec).toEqual(recorded(hookName));
        expectDescribed(described, hookName);
      }
      expect(await storedPhase(`bad-${suffix}`)).toBeUndefined();
    } finally {
      expect(await server.stop(), server.output().slice(-2000)).toBe(0);
    }
  }, 240_000);
});
