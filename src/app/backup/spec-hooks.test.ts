import { describe, expect, it } from 'vitest';
import type { BackupHooksSpec, BackupResourceHookSpec } from '../../model/index.ts';
import { compileResourceHooks, hasSpecHooks, specHooksFor } from './spec-hooks.ts';

/** Discovery's names for the unit tests: pod, po and Pods are pods; deploy is deployments.apps. */
function resolve(name: string): string {
  const lower = name.toLowerCase();
  if (['pods', 'pod', 'po'].includes(lower)) return 'pods';
  if (['deployments', 'deployment', 'deploy'].includes(lower)) return 'deployments.apps';
  return name;
}

const exec = (command: string) => ({ exec: { command: [command] } });

function rules(...resources: BackupResourceHookSpec[]) {
  const spec: BackupHooksSpec = { resources };
  return compileResourceHooks(spec, resolve);
}

/** The commands of a phase's hooks for a pod of `namespace` with `labels`. */
function commands(
  r: ReturnType<typeof rules>,
  namespace: string,
  labels: Record<string, string> = {},
  phase: 'pre' | 'post' = 'pre',
): string[] {
  return specHooksFor(r, namespace, labels, phase).map((h) => `${h.name}:${h.exec.command.join(' ')}`);
}

describe('resource hooks of the backup spec', () => {
  it('apply to every pod when nothing narrows them, and run in the order of the spec', () => {
    const r = rules(
      { name: 'first', pre: [exec('a'), exec('b')], post: [exec('z')] },
      { name: 'second', pre: [exec('c')] },
    );
    expect(commands(r, 'app')).toEqual(['first:a', 'first:b', 'second:c']);
    expect(commands(r, 'app', {}, 'post')).toEqual(['first:z']);
  });

  it('match namespaces by include and exclude globs, excludes winning', () => {
    const r = rules(
      { name: 'db', includedNamespaces: ['db-*', 'shop'], excludedNamespaces: ['db-test'], pre: [exec('x')] },
      { name: 'all-but-kube', excludedNamespaces: ['kube-*'], pre: [exec('y')] },
      { name: 'star', includedNamespaces: ['*'], pre: [exec('z')] },
    );
    expect(commands(r, 'db-prod')).toEqual(['db:x', 'all-but-kube:y', 'star:z']);
    expect(commands(r, 'shop')).toEqual(['db:x', 'all-but-kube:y', 'star:z']);
    expect(commands(r, 'db-test')).toEqual(['all-but-kube:y', 'star:z']);
    expect(commands(r, 'kube-system')).toEqual(['star:z']);
  });

  it('match the pods resource by any name discovery gives it, and skip specs that leave pods out', () => {
    const r = rules(
      { name: 'short', includedResources: ['po'], pre: [exec('1')] },
      { name: 'kind', includedResources: ['Pods'], pre: [exec('2')] },
      { name: 'glob', includedResources: ['p*'], pre: [exec('3')] },
      { name: 'deployments', includedResources: ['deploy'], pre: [exec('4')] },
      { name: 'not-pods', excludedResources: ['pod'], pre: [exec('5')] },
      { name: 'others-excluded', excludedResources: ['deployments'], pre: [exec('6')] },
      { name: 'star-excluded-ignored', excludedResources: ['*'], pre: [exec('7')] },
    );
    expect(commands(r, 'app')).toEqual([
      'short:1',
      'kind:2',
      'glob:3',
      'others-excluded:6',
      'star-excluded-ignored:7',
    ]);
  });

  it("match the pod's own labels with matchLabels and matchExpressions", () => {
    const r = rules(
      { name: 'labels', labelSelector: { matchLabels: { app: 'db' } }, pre: [exec('1')] },
      {
        name: 'expressions',
        labelSelector: {
          matchExpressions: [
            { key: 'tier', operator: 'In', values: ['data', 'cache'] },
            { key: 'skip-hooks', operator: 'DoesNotExist' },
          ],
        },
        pre: [exec('2')],
      },
      { name: 'empty-selector', labelSelector: {}, pre: [exec('3')] },
    );
    expect(commands(r, 'app', { app: 'db', tier: 'data' })).toEqual([
      'labels:1',
      'expressions:2',
      'empty-selector:3',
    ]);
    expect(commands(r, 'app', { app: 'web', tier: 'cache' })).toEqual(['expressions:2', 'empty-selector:3']);
    expect(commands(r, 'app', { app: 'db', tier: 'data', 'skip-hooks': '' })).toEqual([
      'labels:1',
      'empty-selector:3',
    ]);
  });

  it('has no hooks when the spec has none, or only specs without pre or post hooks', () => {
    expect(hasSpecHooks(compileResourceHooks(undefined, resolve))).toBe(false);
    expect(hasSpecHooks(rules({ name: 'empty' }))).toBe(false);
    expect(hasSpecHooks(rules({ name: 'post-only', post: [exec('x')] }))).toBe(true);
  });
});
