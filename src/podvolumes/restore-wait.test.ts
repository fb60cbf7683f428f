import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../model/index.ts';
import {
  awaitedVolumes,
  restoreWaitDone,
  restoreWaitRunning,
  restoreWaitUid,
  restoreWaitUser,
  withRestoreWait,
} from './restore-wait.ts';

const pod = (spec: object, status?: object): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns' },
  spec,
  ...(status ? { status } : {}),
});

describe('withRestoreWait (Velero PodVolumeRestoreAction)', () => {
  it('prepends restore-wait with the restore UID, env, mounts and 100m/128Mi; the pod given is unchanged', () => {
    const original = pod({
      containers: [{ name: 'app', image: 'busybox' }],
      initContainers: [{ name: 'init', image: 'busybox' }],
      volumes: [{ name: 'data' }, { name: 'logs' }],
    });
    const before = structuredClone(original);
    const out = withRestoreWait(original, ['data', 'logs'], { restoreUid: 'uid-1', image: 'reg/lifeboat:1' });
    expect(original).toEqual(before);
    const inits = (out['spec'] as { initContainers: Record<string, unknown>[] }).initContainers;
    expect(inits.map((c) => c['name'])).toEqual(['restore-wait', 'init']);
    expect(inits[0]).toMatchObject({
      image: 'reg/lifeboat:1',
      command: ['node', '/app/dist/bin/lifeboat.js', 'restore-helper'],
      args: ['uid-1'],
      env: [
        { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ],
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '100m', memory: '128Mi' } },
      volumeMounts: [
        { name: 'data', mountPath: '/restores/data' },
        { name: 'logs', mountPath: '/restores/logs' },
      ],
      securityContext: { runAsNonRoot: true, runAsUser: 1000, capabilities: { drop: ['ALL'] } },
    });
    expect(awaitedVolumes(out)).toEqual(['data', 'logs']);
  });

  it("replaces old restore-wait and restic-wait containers and copies the first container's security context", () => {
    const out = withRestoreWait(
      pod({
        containers: [{ name: 'app', securityContext: { runAsUser: 0 } }],
        initContainers: [{ name: 'restic-wait' }, { name: 'restore-wait' }, { name: 'x' }],
      }),
      ['data'],
      { restoreUid: 'u' },
    );
    const inits = (out['spec'] as { initContainers: Record<string, unknown>[] }).initContainers;
    expect(inits.map((c) => c['name'])).toEqual(['restore-wait', 'x']);
    expect(inits[0]?.['securityContext']).toEqual({ runAsUser: 0 });
    expect(inits[0]?.['image']).toBe('lifeboat:dev');
  });

  it('only removes old wait containers when nothing is restored', () => {
    const out = withRestoreWait(pod({ containers: [], initContainers: [{ name: 'restore-wait' }] }), [], {
      restoreUid: 'u',
    });
    expect(out['spec']).toEqual({ containers: [], initContainers: [] });
    expect(awaitedVolumes(out)).toEqual([]);
  });
});

describe('restoreWaitRunning (Velero isInitContainerRunning)', () => {
  it('is true only while the restore-wait init container runs', () => {
    const status = (state: object) => ({ initContainerStatuses: [{ name: 'restore-wait', state }] });
    expect(restoreWaitRunning(pod({}, status({ running: { startedAt: 'now' } })))).toBe(true);
    expect(restoreWaitRunning(pod({}, status({ waiting: { reason: 'PodInitializing' } })))).toBe(false);
    expect(restoreWaitRunning(pod({}, status({ terminated: { exitCode: 0 } })))).toBe(false);
    expect(restoreWaitRunning(pod({}))).toBe(false);
  });
});

describe('restoreWaitUid and restoreWaitDone (a resumed restore reads the pods it made before)', () => {
  it('reads the UID restore-wait waits for, and whether it has ended with exit code 0', () => {
    const made = withRestoreWait(pod({ containers: [{ name: 'app' }] }), ['data'], { restoreUid: 'uid-7' });
    expect(restoreWaitUid(made)).toBe('uid-7');
    expect(restoreWaitUid(pod({ containers: [{ name: 'app' }] }))).toBeUndefined();
    expect(restoreWaitUid(pod({ initContainers: [{ name: 'restore-wait', args: [7] }] }))).toBeUndefined();
    const status = (state: object) => ({ initContainerStatuses: [{ name: 'restore-wait', state }] });
    expect(restoreWaitDone({ ...made, status: status({ terminated: { exitCode: 0 } }) })).toBe(true);
    expect(restoreWaitDone({ ...made, status: status({ terminated: { exitCode: 1 } }) })).toBe(false);
    expect(restoreWaitDone({ ...made, status: status({ running: {} }) })).toBe(false);
    expect(restoreWaitDone(made)).toBe(false);
  });
});

describe('restoreWaitUser (who may remove the .velero marker)', () => {
  it("reads restore-wait's own security context first, then the pod's, and nothing else", () => {
    const wait = (securityContext?: object) => ({
      name: 'restore-wait',
      ...(securityContext ? { securityContext } : {}),
    });
    const helper = withRestoreWait(pod({ containers: [{ name: 'app' }] }), ['data'], { restoreUid: 'u' });
    expect(restoreWaitUser(helper)).toEqual({ uid: 1000 });
    expect(
      restoreWaitUser(
        pod({
          initContainers: [wait({ runAsUser: 70 })],
          securityContext: { runAsUser: 5, runAsGroup: 6 },
        }),
      ),
    ).toEqual({ uid: 70, gid: 6 });
    expect(restoreWaitUser(pod({ initContainers: [wait()] }))).toEqual({});
    expect(restoreWaitUser(pod({ initContainers: [wait({ runAsUser: -1, runAsGroup: '7' })] }))).toEqual({});
    expect(
      restoreWaitUser(pod({ initContainers: [{ name: 'other', securityContext: { runAsUser: 9 } }] })),
    ).toEqual({});
  });
});
