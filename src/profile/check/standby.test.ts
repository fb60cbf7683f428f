import { describe, expect, it } from 'vitest';
import { checkStandby, type StandbyCheckInput } from './standby.ts';
import type { Finding } from './findings.ts';
import { addItem, emptyContents } from '../capture/index.ts';
import type { KubeObject } from '../../model/index.ts';
import { contents, pool, profile, workload } from '../testing.ts';

function check(over: Partial<StandbyCheckInput> = {}): Finding[] {
  return checkStandby({
    contents: contents(),
    source: profile(),
    target: profile(),
    storageClassMappings: {},
    collisions: [],
    ...over,
  });
}

function only(findings: Finding[], code: string): Finding {
  const hits = findings.filter((f) => f.code === code);
  expect(hits, JSON.stringify(findings, null, 2)).toHaveLength(1);
  return hits[0]!;
}

const pvcs = (sc: string | undefined) =>
  contents((c) => (c.pvcs = [{ namespace: 'shop', name: 'data', storageClass: sc }]));

describe('checkStandby', () => {
  it('is ready when the standby matches and the backup needs nothing missing', () => {
    expect(check().filter((f) => f.severity === 'blocking')).toEqual([]);
  });

  it('says what is missing when the backup has no profile, and still checks contents', () => {
    const findings = check({
      source: undefined,
      contents: contents((c) => (c.sourceVersion = { gitVersion: 'v1.30.2', minor: 30 })),
    });
    expect(only(findings, 'PROFILE_MISSING').message).toMatch(/no cluster profile.*v1\.30\.2/);
    expect(only(findings, 'K8S_VERSION_OLDER').severity).toBe('blocking');
  });

  it('blocks objects whose apiVersion the target does not serve, unless the backup brings the CRD', () => {
    const widgets = contents((c) => (c.resourceList['example.com/v1/Widget'] = ['shop/w1', 'shop/w2']));
    const f = only(check({ contents: widgets }), 'API_NOT_SERVED');
    expect(f.severity).toBe('blocking');
    expect(f.message).toMatch(/2 object\(s\) of example\.com\/v1\/Widget.*shop\/w1/);
    widgets.crds = [
      {
        name: 'widgets.example.com',
        group: 'example.com',
        kind: 'Widget',
        versions: [{ name: 'v1', served: true, storage: true }],
      },
    ];
    expect(check({ contents: widgets }).some((x) => x.code === 'API_NOT_SERVED')).toBe(false);
    const removed = contents((c) => (c.resourceList['policy/v1beta1/PodSecurityPolicy'] = ['psp']));
    expect(only(check({ contents: removed }), 'API_NOT_SERVED').message).toContain('policy/v1beta1');
    const nodes = contents((c) => (c.resourceList['v1/Node'] = ['n1']));
    expect(check({ contents: nodes }).some((x) => x.code === 'API_NOT_SERVED')).toBe(false);
  });

  it('blocks a StorageClass the PVCs need that neither side has; a mapping fixes it', () => {
    const f = only(check({ contents: pvcs('fast') }), 'STORAGE_CLASS_MISSING');
    expect(f.severity).toBe('blocking');
    expect(f.message).toContain('shop/data');
    expect(f.hint).toContain('--storage-class-mappings fast:<class>');
    expect(f.hint).toContain('default, smb');
    const mapped = check({ contents: pvcs('fast'), storageClassMappings: { fast: 'default' } });
    expect(mapped.some((x) => x.code === 'STORAGE_CLASS_MISSING')).toBe(false);
  });

  it('blocks a class whose CSI driver the target lacks', () => {
    const target = profile((t) => (t.storage.csiDrivers = [{ name: 'disk.csi.akshci.com' }]));
    const f = only(check({ contents: pvcs('smb'), target }), 'CSI_DRIVER_MISSING');
    expect(f.hint).toContain('Install-AksHciCsiSmb -clusterName');
  });

  it('warns when a needed class will come from the backup with the source parameters', () => {
    const c = pvcs('nfs');
    c.storageClasses = [
      { name: 'nfs', provisioner: 'kubernetes.io/no-provisioner', isDefault: false, parameters: {} },
    ];
    expect(only(check({ contents: c }), 'STORAGE_CLASS_FROM_BACKUP').severity).toBe('warning');
  });

  it('warns about class-less PVCs on a target without a default class', () => {
    const target = profile((t) => t.storage.storageClasses.forEach((s) => (s.isDefault = false)));
    expect(only(check({ contents: pvcs(undefined), target }), 'NO_DEFAULT_STORAGE_CLASS').message).toContain(
      '1 PVC',
    );
  });

  it('blocks names already taken in the target', () => {
    const f = only(
      check({ collisions: [{ namespace: 'shop', resource: 'configmaps', names: ['settings'] }] }),
      'NAMESPACE_COLLISION',
    );
    expect(f.severity).toBe('blocking');
    expect(f.message).toContain('shop/configmaps: settings');
    expect(f.hint).toContain('--namespace-mappings');
  });

  it('warns about workloads no target node can take, and dedicated pools that are gone', () => {
    const c = contents((x) => {
      x.workloads = [
        workload('trainer', {
          nodeSelector: { accelerator: 'nvidia' },
          tolerations: [{ key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
        }),
        workload('ssd-db', { requiredTerms: [[{ key: 'disk', operator: 'In', values: ['ssd'] }]] }),
      ];
    });
    const target = profile((t) => (t.nodePools = [pool('linux')]));
    const findings = check({ contents: c, target });
    expect(only(findings, 'WORKLOAD_SELECTOR_UNMATCHED').message).toMatch(
      /shop\/trainer \[accelerator=nvidia\].*shop\/ssd-db \[disk In \(ssd\)\]/,
    );
    expect(only(findings, 'TOLERATED_TAINT_MISSING').message).toContain('sku=gpu:NoSchedule');
  });

  it('says once that a target without nodes leaves the workloads Pending', () => {
    const target = profile((t) => ((t.nodePools = []), (t.controlPlane = { nodeCount: 0, nodes: [] })));
    expect(only(check({ target }), 'NO_NODES').message).toContain('shop/web');
    expect(only(check({ target, source: undefined }), 'NO_NODES').message).toContain('Pending');
  });

  it('warns about workloads that match only nodes whose taints they do not tolerate', () => {
    const target = profile(
      (t) =>
        (t.nodePools = [
          pool('tainted', { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] }),
        ]),
    );
    expect(only(check({ target }), 'WORKLOAD_TAINTS_UNTOLERATED').message).toContain('Deployment shop/web');
  });

  it('warns about unknown PriorityClasses and IngressClasses the backup needs', () => {
    const c = contents((x) => {
      x.workloads = [
        workload('web', { priorityClassName: 'business-critical' }),
        workload('sys', { priorityClassName: 'system-node-critical' }),
      ];
      x.ingresses = [{ namespace: 'shop', name: 'web', ingressClassName: 'nginx' }];
    });
    const findings = check({ contents: c });
    expect(only(findings, 'PRIORITY_CLASS_MISSING').message).toMatch(/business-critical \(shop\/web\)/);
    expect(only(findings, 'INGRESS_CLASS_MISSING').message).toContain('nginx');
    c.priorityClasses = ['business-critical'];
    expect(check({ contents: c }).some((f) => f.code === 'PRIORITY_CLASS_MISSING')).toBe(false);
  });
});

describe('backup contents', () => {
  const obj = (o: Record<string, unknown>) => o as unknown as KubeObject;
  it('reads PVC classes, top-level workloads and their constraints, and skips owned pods', () => {
    const c = emptyContents('b');
    addItem(
      c,
      'persistentvolumeclaims',
      obj({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'd', namespace: 'n' },
        spec: { storageClassName: 'fast' },
      }),
    );
    addItem(
      c,
      'cronjobs.batch',
      obj({
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'report', namespace: 'n' },
        spec: {
          jobTemplate: {
            spec: { template: { spec: { nodeSelector: { pool: 'batch' }, priorityClassName: 'low' } } },
          },
        },
      }),
    );
    addItem(
      c,
      'pods',
      obj({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: 'p',
          namespace: 'n',
          ownerReferences: [{ kind: 'ReplicaSet', name: 'rs', controller: true }],
        },
        spec: {},
      }),
    );
    expect(c.pvcs).toEqual([{ namespace: 'n', name: 'd', storageClass: 'fast' }]);
    expect(c.workloads).toEqual([
      expect.objectContaining({
        kind: 'CronJob',
        name: 'report',
        nodeSelector: { pool: 'batch' },
        priorityClassName: 'low',
      }),
    ]);
  });
});
