import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HOOK_TIMEOUT_MS,
  describeHook,
  MAX_HOOK_TIMEOUT_MS,
  parseHookCommand,
  podBackupHooks,
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
    expect(hooks.pre).toEqual({
      phase: 'pre',
      container: 'app',
      command: ['sh', '-c', 'echo frozen > /data/hook'],
      onError: 'Fail',
      timeoutMs: DEFAULT_HOOK_TIMEOUT_MS,
    });
    expect(hooks.post).toEqual({
      phase: 'post',
      container: 'sidecar',
      command: ['/bin/unfreeze'],
      onError: 'Continue',
      timeoutMs: 90_000,
    });
    expect(hooks.notes).toEqual([]);
    expect(hooks.finished).toBe(false);
  });

  it('reads the legacy un-prefixed keys as the pre hook only when no pre. command is set', () => {
    const legacy = podBackupHooks(pod({ 'hook.backup.velero.io/command': 'sync' }));
    expect(legacy.pre?.command).toEqual(['sync']);
    expect(legacy.post).toBeUndefined();
    const both = podBackupHooks(
      pod({ 'hook.backup.velero.io/command': 'old', 'pre.hook.backup.velero.io/command': 'new' }),
    );
    expect(both.pre?.command).toEqual(['new']);
  });

  it('has no hook without a command, or with an empty one', () => {
    const hooks = podBackupHooks(
      pod({ 'pre.hook.backup.velero.io/container': 'app', 'post.hook.backup.velero.io/command': '' }),
    );
    expect(hooks.pre).toBeUndefined();
    expect(hooks.post).toBeUndefined();
  });

  it('makes an unknown on-error mode Fail, and a bad timeout the default with a note', () => {
    const hooks = podBackupHooks(
      pod({
        'pre.hook.backup.velero.io/command': 'x',
        'pre.hook.backup.velero.io/on-error': 'continue',
        'pre.hook.backup.velero.io/timeout': '10 minutes',
      }),
    );
    expect(hooks.pre?.onError).toBe('Fail');
    expect(hooks.pre?.timeoutMs).toBe(DEFAULT_HOOK_TIMEOUT_MS);
    expect(hooks.notes).toHaveLength(1);
    expect(hooks.notes[0]).toMatch(/pre\.hook\.backup\.velero\.io\/timeout "10 minutes".*default 30s/);
  });

  it('bounds a negative (unlimited in Velero) or huge timeout, and a zero one is the default', () => {
    const timeout = (t: string) =>
      podBackupHooks(
        pod({ 'pre.hook.backup.velero.io/command': 'x', 'pre.hook.backup.velero.io/timeout': t }),
      );
    expect(timeout('-5s').pre?.timeoutMs).toBe(MAX_HOOK_TIMEOUT_MS);
    expect(timeout('-5s').notes[0]).toMatch(/bounded to 4h/);
    expect(timeout('100h').pre?.timeoutMs).toBe(MAX_HOOK_TIMEOUT_MS);
    expect(timeout('0').pre?.timeoutMs).toBe(DEFAULT_HOOK_TIMEOUT_MS);
    expect(timeout('250ms').pre?.timeoutMs).toBe(250);
  });

  it('marks a hook naming a container the pod does not have, or a pod without containers, invalid', () => {
    const missing = podBackupHooks(
      pod({ 'pre.hook.backup.velero.io/command': 'x', 'pre.hook.backup.velero.io/container': 'db' }),
    );
    expect(missing.pre?.invalid).toBe('no such container: "db"');
    const none = podBackupHooks(pod({ 'post.hook.backup.velero.io/command': 'x' }, { containers: [] }));
    expect(none.post?.invalid).toBe('need at least 1 container');
  });

  it('refuses commands over the bounds', () => {
    const many = JSON.stringify(Array.from({ length: 2_000 }, () => 'a'));
    expect(podBackupHooks(pod({ 'pre.hook.backup.velero.io/command': many })).pre?.invalid).toMatch(
      /2000 arguments/,
    );
    const long = 'x'.repeat(70_000);
    expect(podBackupHooks(pod({ 'pre.hook.backup.velero.io/command': long })).pre?.invalid).toMatch(
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
