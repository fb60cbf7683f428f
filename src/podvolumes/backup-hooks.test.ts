import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HOOK_TIMEOUT_MS,
  describeHook,
  MAX_HOOK_TIMEOUT_MS,
  parseHookCommand,
  podBackupHooks,
  specExecHook,
} from './backup-hooks.ts';

function pod(annotations: Record<string, string>, options: { containers?: string[]; phase?: string } = {}) {
  return {
    metadata: { name: 'db-0', namespace: 'app', uid: 'u1', annotations },
    spec: { containers: (options.containers ?? ['app', 'sidecar']).map((name) => ({ name, image: 'x' })) },
    status: { phase: options.phase ?? 'Running' },
  };
}

describe('podBackupHooks', () => {
  it('reads the pre and post annotations with Velero defaults: first container, Fail, 30s', () => {
    const hooks = podBackupHooks(
      pod({
        'pre.hook.backup.velero.io/command': '["sh","-c","echo frozen > /data/hook"]',
        'post.hook.backup.velero.io/command': '/bin/unfreeze',
        'post.hook.backup.velero.io/container': 'sidecar',
        'post.hook.backup.velero.io/on-error': 'Continue',
        'post.hook.backup.velero.io/timeout': '1m30s',
      }),
    );
    expect(hooks.pre).toEqual([
      {
        phase: 'pre',
        source: 'annotation',
        name: '<from-annotation>',
        container: 'app',
        command: ['sh', '-c', 'echo frozen > /data/hook'],
        onError: 'Fail',
        timeoutMs: DEFAULT_HOOK_TIMEOUT_MS,
      },
    ]);
    expect(hooks.post).toEqual([
      {
        phase: 'post',
        source: 'annotation',
        name: '<from-annotation>',
        container: 'sidecar',
        command: ['/bin/unfreeze'],
        onError: 'Continue',
        timeoutMs: 90_000,
      },
    ]);
    expect(hooks.notes).toEqual([]);
    expect(hooks.finished).toBe(false);
  });

  it('reads the legacy un-prefixed keys as the pre hook only when no pre. command is set', () => {
    const legacy = podBackupHooks(pod({ 'hook.backup.velero.io/command': 'sync' }));
    expect(legacy.pre[0]?.command).toEqual(['sync']);
    expect(legacy.post).toEqual([]);
    const both = podBackupHooks(
      pod({ 'hook.backup.velero.io/command': 'old', 'pre.hook.backup.velero.io/command': 'new' }),
    );
    expect(both.pre[0]?.command).toEqual(['new']);
  });

  it('has no hook without a command, or with an empty one', () => {
    const hooks = podBackupHooks(
      pod({ 'pre.hook.backup.velero.io/container': 'app', 'post.hook.backup.velero.io/command': '' }),
    );
    expect(hooks.pre).toEqual([]);
    expect(hooks.post).toEqual([]);
  });

  it('makes an unknown on-error mode Fail, and a bad timeout the default with a note', () => {
    const hooks = podBackupHooks(
      pod({
        'pre.hook.backup.velero.io/command': 'x',
        'pre.hook.backup.velero.io/on-error': 'continue',
        'pre.hook.backup.velero.io/timeout': '10 minutes',
      }),
    );
    expect(hooks.pre[0]?.onError).toBe('Fail');
    expect(hooks.pre[0]?.timeoutMs).toBe(DEFAULT_HOOK_TIMEOUT_MS);
    expect(hooks.notes).toHaveLength(1);
    expect(hooks.notes[0]).toMatch(/pre\.hook\.backup\.velero\.io\/timeout "10 minutes".*default 30s/);
  });

  it('bounds a negative (unlimited in Velero) or huge timeout, and a zero one is the default', () => {
    const timeout = (t: string) =>
      podBackupHooks(
        pod({ 'pre.hook.backup.velero.io/command': 'x', 'pre.hook.backup.velero.io/timeout': t }),
      );
    expect(timeout('-5s').pre[0]?.timeoutMs).toBe(MAX_HOOK_TIMEOUT_MS);
    expect(timeout('-5s').notes[0]).toMatch(/bounded to 4h/);
    expect(timeout('100h').pre[0]?.timeoutMs).toBe(MAX_HOOK_TIMEOUT_MS);
    expect(timeout('0').pre[0]?.timeoutMs).toBe(DEFAULT_HOOK_TIMEOUT_MS);
    expect(timeout('250ms').pre[0]?.timeoutMs).toBe(250);
  });

  it('marks a hook naming a container the pod does not have, or a pod without containers, invalid', () => {
    const missing = podBackupHooks(
      pod({ 'pre.hook.backup.velero.io/command': 'x', 'pre.hook.backup.velero.io/container': 'db' }),
    );
    expect(missing.pre[0]?.invalid).toBe('no such container: "db"');
    const none = podBackupHooks(pod({ 'post.hook.backup.velero.io/command': 'x' }, { containers: [] }));
    expect(none.post[0]?.invalid).toBe('need at least 1 container');
  });

  it('refuses commands over the bounds', () => {
    const many = JSON.stringify(Array.from({ length: 2_000 }, () => 'a'));
    expect(podBackupHooks(pod({ 'pre.hook.backup.velero.io/command': many })).pre[0]?.invalid).toMatch(
      /2000 arguments/,
    );
    const long = 'x'.repeat(70_000);
    expect(podBackupHooks(pod({ 'pre.hook.backup.velero.io/command': long })).pre[0]?.invalid).toMatch(
      /70000 characters/,
    );
  });

  it('says when the pod has finished (Velero skips its hooks)', () => {
    const hooks = podBackupHooks(pod({ 'pre.hook.backup.velero.io/command': 'x' }, { phase: 'Succeeded' }));
    expect(hooks.finished).toBe(true);
  });

  it('throws on an object that is not a pod', () => {
    expect(() => podBackupHooks({ metadata: { name: 'x' } })).toThrow();
  });
});

describe('parseHookCommand', () => {
  it("parses Velero's way: a JSON array of strings, else the whole value as one argument", () => {
    expect(parseHookCommand('["a", "b c"]')).toEqual(['a', 'b c']);
    expect(parseHookCommand('/bin/fsfreeze --freeze /data')).toEqual(['/bin/fsfreeze --freeze /data']);
    expect(parseHookCommand('[not json')).toEqual(['[not json']);
    expect(parseHookCommand('[1, 2]')).toEqual(['[1, 2]']);
  });
});

describe('describeHook', () => {
  it('names the phase, the command and the container, shortening long commands', () => {
    const hook = {
      phase: 'pre' as const,
      source: 'annotation' as const,
      name: '<from-annotation>',
      container: 'app',
      command: ['sh', '-c', 'x'.repeat(300)],
      onError: 'Fail' as const,
      timeoutMs: 1,
    };
    const text = describeHook(hook);
    expect(text.startsWith('pre hook ["sh","-c","xxx')).toBe(true);
    expect(text.endsWith('… in container app')).toBe(true);
  });
});

describe('specExecHook', () => {
  it("takes pkg/podexec's defaults: first container, Fail, 30s for none or zero", () => {
    const notes: string[] = [];
    expect(specExecHook({ command: ['sync'] }, 'flush', 'pre', ['app', 'sidecar'], notes)).toEqual({
      phase: 'pre',
      source: 'spec',
      name: 'flush',
      container: 'app',
      command: ['sync'],
      onError: 'Fail',
      timeoutMs: DEFAULT_HOOK_TIMEOUT_MS,
    });
    const zero = specExecHook({ command: ['x'], timeout: '0s' }, 'h', 'post', ['app'], notes);
    expect(zero.timeoutMs).toBe(DEFAULT_HOOK_TIMEOUT_MS);
    const given = specExecHook(
      { command: ['x'], container: 'sidecar', onError: 'Continue', timeout: '2m' },
      'h',
      'post',
      ['app', 'sidecar'],
      notes,
    );
    expect([given.container, given.onError, given.timeoutMs]).toEqual(['sidecar', 'Continue', 120_000]);
    expect(notes).toEqual([]);
  });

  it('bounds a negative or huge timeout like the annotations do, with a note', () => {
    const notes: string[] = [];
    expect(specExecHook({ command: ['x'], timeout: '-1s' }, 'h', 'pre', ['app'], notes).timeoutMs).toBe(
      MAX_HOOK_TIMEOUT_MS,
    );
    expect(specExecHook({ command: ['x'], timeout: '5h' }, 'h', 'pre', ['app'], notes).timeoutMs).toBe(
      MAX_HOOK_TIMEOUT_MS,
    );
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatch(/timeout of pre hook "h" "-1s" is bounded to 4h/);
  });

  it('marks an empty command, a missing container or an oversized command invalid', () => {
    const invalid = (spec: { command: string[]; container?: string }, containers = ['app']) =>
      specExecHook(spec, 'h', 'pre', containers, []).invalid;
    expect(invalid({ command: [] })).toBe('command is required');
    expect(invalid({ command: ['x'], container: 'db' })).toBe('no such container: "db"');
    expect(invalid({ command: ['x'] }, [])).toBe('need at least 1 container');
    expect(invalid({ command: ['x'.repeat(70_000)] })).toMatch(/70000 characters/);
    expect(invalid({ command: ['x'] })).toBeUndefined();
  });

  it('names the spec hook when described', () => {
    const hook = specExecHook({ command: ['sync'] }, 'flush', 'pre', ['app'], []);
    expect(describeHook(hook)).toBe('pre hook "flush" ["sync"] in container app');
  });
});
