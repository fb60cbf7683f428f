import { describe, expect, it } from 'vitest';
import { KubeClient, type ExecTarget } from '../../kube/index.ts';
import { LifeboatError } from '../../errors/index.ts';
import { silentLogger } from '../../log/index.ts';
import type { KubeObject } from '../../model/index.ts';
import { ResultsCollector } from '../../results/index.ts';
import { BackupHookRunner, type PodExec } from './hooks.ts';

/** Never called: the runner gets an exec of its own. */
const client = new KubeClient({
  server: 'https://127.0.0.1:1',
  source: 'unit test',
  tls: { rejectUnauthorized: true },
  authorization: () => Promise.resolve(undefined),
});

function pod(annotations: Record<string, string>, phase = 'Running'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'db-0', namespace: 'app', uid: 'u1', annotations },
    spec: { containers: [{ name: 'db' }, { name: 'tools' }] },
    status: { phase },
  };
}

/** An in-memory exec: each command's exit code, or a thrown error. */
function fakeExec(answers: Map<string, number | Error>): { exec: PodExec; calls: ExecTarget[] } {
  const calls: ExecTarget[] = [];
  const exec: PodExec = (target) => {
    calls.push(target);
    const answer = answers.get(target.command.join(' ')) ?? 0;
    if (answer instanceof Error) return Promise.reject(answer);
    return Promise.resolve({ exitCode: answer, stdout: '', stderr: answer === 0 ? '' : 'disk\u0007 full\n' });
  };
  return { exec, calls };
}

describe('BackupHookRunner', () => {
  it('runs the pre and post hooks in the named or first container, and counts them', async () => {
    const { exec, calls } = fakeExec(new Map());
    const runner = new BackupHookRunner(client, silentLogger(), exec);
    const hooks = runner.read(
      pod({
        'pre.hook.backup.velero.io/command': '["fsfreeze","--freeze","/data"]',
        'post.hook.backup.velero.io/command': '["fsfreeze","--unfreeze","/data"]',
        'post.hook.backup.velero.io/container': 'tools',
      }),
    );
    expect(hooks).toBeDefined();
    if (hooks === undefined) return;
    expect(await runner.run(hooks, 'pre')).toBe(true);
    expect(await runner.run(hooks, 'post')).toBe(true);
    expect(calls).toEqual([
      { namespace: 'app', pod: 'db-0', container: 'db', command: ['fsfreeze', '--freeze', '/data'] },
      { namespace: 'app', pod: 'db-0', container: 'tools', command: ['fsfreeze', '--unfreeze', '/data'] },
    ]);
    expect([runner.attempted, runner.failed]).toEqual([2, 0]);
    const results = new ResultsCollector();
    runner.report(results);
    expect([results.errorCount, results.warningCount]).toEqual([0, 0]);
  });

  it('a failing Fail pre hook stops the pod; the error names the pod, the hook and the exit code', async () => {
    const { exec } = fakeExec(new Map([['false', 3]]));
    const runner = new BackupHookRunner(client, silentLogger(), exec);
    const hooks = runner.read(pod({ 'pre.hook.backup.velero.io/command': 'false' }));
    if (hooks === undefined) throw new Error('no hooks read');
    expect(await runner.run(hooks, 'pre')).toBe(false);
    const results = new ResultsCollector();
    runner.report(results);
    expect(results.toFile().errors.namespaces?.['app']).toEqual([
      ' resource: /pods name: /db-0 message: /Error executing hook: pre hook ["false"] in container db failed (on-error Fail): ' +
        "the pod's volumes were not backed up and its post hooks did not run error: /command terminated with exit code 3: disk full",
    ]);
    expect([runner.attempted, runner.failed]).toEqual([1, 1]);
  });

  it("a failing Continue hook lets the pod go on, and is still an error of the backup (Velero's)", async () => {
    const unreachable = new LifeboatError(
      'OPERATION_FAILED',
      'error dialing backend: dial tcp 10.0.0.9:10250',
    );
    const { exec } = fakeExec(new Map([['sync', unreachable]]));
    const runner = new BackupHookRunner(client, silentLogger(), exec);
    const hooks = runner.read(
      pod({ 'pre.hook.backup.velero.io/command': 'sync', 'pre.hook.backup.velero.io/on-error': 'Continue' }),
    );
    if (hooks === undefined) throw new Error('no hooks read');
    expect(await runner.run(hooks, 'pre')).toBe(true);
    const results = new ResultsCollector();
    runner.report(results);
    expect(results.errorCount).toBe(1);
    expect(results.toFile().errors.namespaces?.['app']?.[0]).toMatch(
      /on-error Continue\) error: \/error dialing backend/,
    );
  });

  it('fails a hook naming a missing container without running anything', async () => {
    const { exec, calls } = fakeExec(new Map());
    const runner = new BackupHookRunner(client, silentLogger(), exec);
    const hooks = runner.read(
      pod({ 'pre.hook.backup.velero.io/command': 'x', 'pre.hook.backup.velero.io/container': 'nope' }),
    );
    if (hooks === undefined) throw new Error('no hooks read');
    expect(await runner.run(hooks, 'pre')).toBe(false);
    expect(calls).toEqual([]);
    expect(runner.runs[0]?.error).toBe('no such container: "nope"');
  });

  it('skips the hooks of a finished pod, counting them as attempted and not failed', async () => {
    const { exec, calls } = fakeExec(new Map());
    const runner = new BackupHookRunner(client, silentLogger(), exec);
    const hooks = runner.read(pod({ 'pre.hook.backup.velero.io/command': 'x' }, 'Succeeded'));
    if (hooks === undefined) throw new Error('no hooks read');
    expect(await runner.run(hooks, 'pre')).toBe(true);
    expect(calls).toEqual([]);
    expect([runner.attempted, runner.failed]).toEqual([1, 0]);
  });

  it('has nothing to run for a pod without hooks, and warns of a timeout read with a fallback', () => {
    const runner = new BackupHookRunner(client, silentLogger(), fakeExec(new Map()).exec);
    expect(runner.read(pod({ 'backup.velero.io/backup-volumes': 'data' }))).toBeUndefined();
    expect(
      runner.read(
        pod({ 'pre.hook.backup.velero.io/command': 'x', 'pre.hook.backup.velero.io/timeout': 'soon' }),
      ),
    ).toBeDefined();
    const results = new ResultsCollector();
    runner.report(results);
    expect(results.warningCount).toBe(1);
    expect(results.toFile().warnings.namespaces?.['app']?.[0]).toMatch(/timeout "soon"/);
  });
});
