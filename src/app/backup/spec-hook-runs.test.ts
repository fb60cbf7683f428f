import { describe, expect, it } from 'vitest';
import { KubeClient, type ExecTarget } from '../../kube/index.ts';
import { silentLogger } from '../../log/index.ts';
import type { BackupResourceHookSpec, KubeObject } from '../../model/index.ts';
import { ResultsCollector } from '../../results/index.ts';
import { BackupHookRunner, type PodExec } from './hooks.ts';
import { compileResourceHooks } from './spec-hooks.ts';

/** Never called: the runner gets an exec of its own. */
const client = new KubeClient({
  server: 'https://127.0.0.1:1',
  source: 'unit test',
  tls: { rejectUnauthorized: true },
  authorization: () => Promise.resolve(undefined),
});

function pod(annotations: Record<string, string> = {}, labels: Record<string, string> = { app: 'db' }) {
  const item: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'db-0', namespace: 'shop', uid: 'u1', labels, annotations },
    spec: { containers: [{ name: 'db' }, { name: 'tools' }] },
    status: { phase: 'Running' },
  };
  return item;
}

/** An in-memory exec: each command's exit code (0 unless named); records every call. */
function fakeExec(exitCodes: Map<string, number> = new Map()): { exec: PodExec; calls: ExecTarget[] } {
  const calls: ExecTarget[] = [];
  const exec: PodExec = (target) => {
    calls.push(target);
    const exitCode = exitCodes.get(target.command.join(' ')) ?? 0;
    return Promise.resolve({ exitCode, stdout: '', stderr: exitCode === 0 ? '' : 'table locked\n' });
  };
  return { exec, calls };
}

function runner(exec: PodExec, ...resources: BackupResourceHookSpec[]): BackupHookRunner {
  const rules = compileResourceHooks({ resources }, (name) => (name === 'pod' ? 'pods' : name));
  return new BackupHookRunner(client, silentLogger(), exec, rules);
}

const sh = (command: string, more: { container?: string; onError?: 'Continue' | 'Fail' } = {}) => ({
  exec: { command: ['sh', '-c', command], ...more },
});

describe('BackupHookRunner with the backup spec hooks', () => {
  it('runs the matching spec hooks of each phase in order, in their container or the first one', async () => {
    const { exec, calls } = fakeExec();
    const r = runner(
      exec,
      { name: 'freeze', labelSelector: { matchLabels: { app: 'db' } }, pre: [sh('lock'), sh('flush')] },
      { name: 'other-ns', includedNamespaces: ['other'], pre: [sh('never')] },
      {
        name: 'tools',
        includedResources: ['pod'],
        pre: [sh('mark', { container: 'tools' })],
        post: [sh('unlock')],
      },
    );
    const hooks = r.read(pod());
    if (hooks === undefined) throw new Error('no hooks read');
    expect(await r.run(hooks, 'pre')).toBe(true);
    expect(await r.run(hooks, 'post')).toBe(true);
    expect(calls.map((c) => `${c.container}:${c.command.join(' ')}`)).toEqual([
      'db:sh -c lock',
      'db:sh -c flush',
      'tools:sh -c mark',
      'db:sh -c unlock',
    ]);
    expect([r.attempted, r.failed]).toEqual([4, 0]);
  });

  it("a pod's annotation hook of a phase replaces the spec hooks of that phase only", async () => {
    const { exec, calls } = fakeExec();
    const r = runner(exec, { name: 'spec', pre: [sh('spec-pre')], post: [sh('spec-post')] });
    const hooks = r.read(pod({ 'pre.hook.backup.velero.io/command': '["annotation-pre"]' }));
    if (hooks === undefined) throw new Error('no hooks read');
    await r.run(hooks, 'pre');
    await r.run(hooks, 'post');
    expect(calls.map((c) => c.command.join(' '))).toEqual(['annotation-pre', 'sh -c spec-post']);
    // The legacy un-prefixed key is a pre hook too; a post annotation replaces the spec's post hooks.
    const legacy = r.read(
      pod({ 'hook.backup.velero.io/command': 'legacy', 'post.hook.backup.velero.io/command': 'ann-post' }),
    );
    expect(legacy?.pre.map((h) => h.source)).toEqual(['annotation']);
    expect(legacy?.post.map((h) => h.command)).toEqual([['ann-post']]);
  });

  it('reads no hooks for a pod no spec hook matches, and none at all without spec hooks', () => {
    const { exec } = fakeExec();
    const r = runner(exec, {
      name: 'db-only',
      labelSelector: { matchLabels: { app: 'db' } },
      pre: [sh('x')],
    });
    expect(r.read(pod({}, { app: 'web' }))).toBeUndefined();
    expect(r.hasSpecHooks).toBe(true);
    expect(runner(exec, { name: 'nothing' }).hasSpecHooks).toBe(false);
  });

  it('a failing Fail spec hook stops the later ones (attempted, not failed) and names the hook', async () => {
    const { exec, calls } = fakeExec(new Map([['sh -c lock', 4]]));
    const r = runner(
      exec,
      { name: 'quiesce', pre: [sh('lock'), sh('flush')], post: [sh('unlock')] },
      { name: 'later', pre: [sh('mark')] },
    );
    const hooks = r.read(pod());
    if (hooks === undefined) throw new Error('no hooks read');
    expect(await r.run(hooks, 'pre')).toBe(false);
    expect(calls.map((c) => c.command.join(' '))).toEqual(['sh -c lock']);
    expect(r.runs.map((run) => run.outcome)).toEqual(['Failed', 'Skipped', 'Skipped']);
    expect([r.attempted, r.failed]).toEqual([3, 1]);
    const results = new ResultsCollector();
    r.report(results);
    expect(results.toFile().errors.namespaces?.['shop']).toEqual([
      ' resource: /pods name: /db-0 message: /Error executing hook: pre hook "quiesce" ["sh","-c","lock"] in container db failed (on-error Fail): ' +
        "the pod's volumes were not backed up and its post hooks did not run error: /command terminated with exit code 4: table locked",
    ]);
  });

  it('a failing Continue spec hook is an error, and the later hooks still run', async () => {
    const { exec, calls } = fakeExec(new Map([['sh -c lock', 1]]));
    const r = runner(exec, { name: 'soft', pre: [sh('lock', { onError: 'Continue' }), sh('flush')] });
    const hooks = r.read(pod());
    if (hooks === undefined) throw new Error('no hooks read');
    expect(await r.run(hooks, 'pre')).toBe(true);
    expect(calls.map((c) => c.command.join(' '))).toEqual(['sh -c lock', 'sh -c flush']);
    expect([r.attempted, r.failed]).toEqual([2, 1]);
    const results = new ResultsCollector();
    r.report(results);
    expect(results.errorCount).toBe(1);
    expect(results.toFile().errors.namespaces?.['shop']?.[0]).toContain(
      'pre hook "soft" ["sh","-c","lock"] in container db failed (on-error Continue) error: /command terminated with exit code 1',
    );
  });

  it('fails a spec hook naming a container the pod does not have, without running it', async () => {
    const { exec, calls } = fakeExec();
    const r = runner(exec, { name: 'bad', pre: [sh('x', { container: 'nope' })] });
    const hooks = r.read(pod());
    if (hooks === undefined) throw new Error('no hooks read');
    expect(await r.run(hooks, 'pre')).toBe(false);
    expect(calls).toEqual([]);
    expect(r.runs[0]?.error).toBe('no such container: "nope"');
  });
});
