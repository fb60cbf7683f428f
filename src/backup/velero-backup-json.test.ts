import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatGoDuration, goTime, InvalidDurationError, parseDuration } from '../gojson/index.ts';
import { getValidLabelValue, veleroBackupSchema } from '../model/index.ts';
import {
  buildVeleroBackupJson,
  withVeleroAutoExclusions,
  type VeleroBackupInput,
} from './velero-backup-json.ts';

const representative: VeleroBackupInput = {
  name: 'b1',
  uid: '2b6e0d5c-1111-4222-8333-444455556666',
  resourceVersion: '123456',
  generation: 6,
  storageLocation: 'default',
  sourceVersion: { gitVersion: 'v1.33.1', major: '1', minor: '33' },
  spec: withVeleroAutoExclusions({ includedNamespaces: ['app'] }),
  phase: 'Completed',
  startTimestamp: new Date('2026-05-01T10:00:00.750Z'),
  completionTimestamp: new Date('2026-05-01T10:00:12Z'),
  totalItems: 25,
  itemsBackedUp: 25,
};

// spec/velero-format.md §3.2, the representative v1.18 file (managedFields left out: lifeboat has none).
const golden = `{
  "kind": "Backup",
  "apiVersion": "velero.io/v1",
  "metadata": {
    "name": "b1",
    "namespace": "velero",
    "uid": "2b6e0d5c-1111-4222-8333-444455556666",
    "resourceVersion": "123456",
    "generation": 6,
    "creationTimestamp": "2026-05-01T10:00:00Z",
    "labels": {
      "velero.io/storage-location": "default"
    },
    "annotations": {
      "velero.io/resource-timeout": "10m0s",
      "velero.io/source-cluster-k8s-gitversion": "v1.33.1",
      "velero.io/source-cluster-k8s-major-version": "1",
      "velero.io/source-cluster-k8s-minor-version": "33"
    }
  },
  "spec": {
    "metadata": {},
    "includedNamespaces": [
      "app"
    ],
    "excludedClusterScopedResources": [
      "volumesnapshotcontents.snapshot.storage.k8s.io"
    ],
    "excludedNamespaceScopedResources": [
      "volumesnapshots.snapshot.storage.k8s.io"
    ],
    "ttl": "720h0m0s",
    "volumeGroupSnapshotLabelKey": "velero.io/volume-group",
    "hooks": {},
    "storageLocation": "default",
    "defaultVolumesToFsBackup": false,
    "csiSnapshotTimeout": "10m0s",
    "itemOperationTimeout": "4h0m0s",
    "snapshotMoveData": false
  },
  "status": {
    "version": 1,
    "formatVersion": "1.1.0",
    "expiration": "2026-05-31T10:00:00Z",
    "phase": "Completed",
    "startTimestamp": "2026-05-01T10:00:00Z",
    "completionTimestamp": "2026-05-01T10:00:12Z",
    "progress": {
      "totalItems": 25,
      "itemsBackedUp": 25
    },
    "hookStatus": {}
  }
}`;

describe('buildVeleroBackupJson', () => {
  it('matches the representative v1.18 velero-backup.json byte for byte (Go field order, omitempty, no trailing newline)', () => {
    expect(buildVeleroBackupJson(representative)).toBe(golden);
  });

  it('is decodable by the Velero Backup schema', () => {
    const parsed = veleroBackupSchema().parse(JSON.parse(buildVeleroBackupJson(representative)));
    expect(parsed.status.formatVersion).toBe('1.1.0');
    expect(parsed.metadata.name).toBe('b1');
  });

  it('writes old filters, selectors, sorted maps, pointers and a null resourcePolicy apiGroup in Go order', () => {
    const json = buildVeleroBackupJson({
      name: 'nightly-20260501',
      uid: 'u',
      storageLocation: 'primary',
      labels: { 'velero.io/schedule-name': 'nightly', app: 'x' },
      annotations: { note: '<ops & dev>' },
      resourceTimeout: '1h',
      spec: withVeleroAutoExclusions({
        metadataLabels: { team: 'ops' },
        includedNamespaces: ['*'],
        includedResources: ['volumesnapshots.snapshot.storage.k8s.io', 'pods'],
        labelSelector: {
          matchLabels: { z: '1', a: '2' },
          matchExpressions: [{ key: 'k', operator: 'Exists' }],
        },
        snapshotVolumes: false,
        ttl: '24h',
        includeClusterResources: true,
        orderedResources: { pods: 'ns/b,ns/a', deployments: 'ns/x' },
        resourcePolicy: { kind: 'configmap', name: 'policy' },
        uploaderConfig: { parallelFilesUpload: 4 },
      }),
      phase: 'PartiallyFailed',
      startTimestamp: new Date('2026-05-01T00:00:00Z'),
      completionTimestamp: new Date('2026-05-01T00:01:00Z'),
      failureReason: '',
      warnings: 2,
      errors: 1,
      totalItems: 0,
      itemsBackedUp: 0,
      hooksAttempted: 3,
    });
    const doc = JSON.parse(json) as Record<string, Record<string, unknown>>;
    expect(Object.keys(doc.metadata ?? {})).toEqual([
      'name',
      'namespace',
      'uid',
      'creationTimestamp',
      'labels',
      'annotations',
    ]);
    expect(Object.keys(doc.spec ?? {})).toEqual([
      'metadata',
      'includedNamespaces',
      'includedResources',
      'excludedResources',
      'labelSelector',
      'snapshotVolumes',
      'ttl',
      'volumeGroupSnapshotLabelKey',
      'includeClusterResources',
      'hooks',
      'storageLocation',
      'defaultVolumesToFsBackup',
      'orderedResources',
      'csiSnapshotTimeout',
      'itemOperationTimeout',
      'resourcePolicy',
      'snapshotMoveData',
      'uploaderConfig',
    ]);
    expect(doc.spec?.includedResources).toEqual(['pods']);
    expect(doc.spec?.excludedResources).toEqual([
      'volumesnapshots.snapshot.storage.k8s.io',
      'volumesnapshotcontents.snapshot.storage.k8s.io',
    ]);
    expect(Object.keys(doc.status ?? {})).toEqual([
      'version',
      'formatVersion',
      'expiration',
      'phase',
      'startTimestamp',
      'completionTimestamp',
      'warnings',
      'errors',
      'progress',
      'hookStatus',
    ]);
    expect(json).toContain(
      '"annotations": {\n      "note": "\\u003cops \\u0026 dev\\u003e",\n      "velero.io/resource-timeout": "1h0m0s"\n    }',
    );
    expect(json).toContain(
      '"labels": {\n      "app": "x",\n      "velero.io/schedule-name": "nightly",\n      "velero.io/storage-location": "primary"\n    }',
    );
    expect(json).toContain('"metadata": {\n      "labels": {\n        "team": "ops"\n      }\n    }');
    expect(json).toContain(
      '"labelSelector": {\n      "matchLabels": {\n        "a": "2",\n        "z": "1"\n      },\n      "matchExpressions": [\n        {\n          "key": "k",\n          "operator": "Exists"\n        }\n      ]\n    }',
    );
    expect(json).toContain(
      '"orderedResources": {\n      "deployments": "ns/x",\n      "pods": "ns/b,ns/a"\n    }',
    );
    expect(json).toContain(
      '"resourcePolicy": {\n      "apiGroup": null,\n      "kind": "configmap",\n      "name": "policy"\n    }',
    );
    expect(json).toContain('"expiration": "2026-05-02T00:00:00Z"');
    expect(json).toContain('"progress": {},');
    expect(json).toContain('"hookStatus": {\n      "hooksAttempted": 3\n    }');
    expect(json.endsWith('}')).toBe(true);
  });

  it('shortens a storage-location label over 63 characters like Velero GetValidName', () => {
    const long = 'l'.repeat(70);
    const expected = 'l'.repeat(57) + createHash('sha256').update(long).digest('hex').slice(0, 6);
    expect(getValidLabelValue(long)).toBe(expected);
    expect(getValidLabelValue('l'.repeat(63))).toBe('l'.repeat(63));
  });

  it("records the source cluster's identity in metadata only (label + annotation), never in spec or status", () => {
    const uid = '0f5c2a9e-1b2c-4d3e-8f4a-5b6c7d8e9f00';
    const plain = JSON.parse(buildVeleroBackupJson(representative)) as Record<string, unknown>;
    const json = buildVeleroBackupJson({
      ...representative,
      clusterUid: uid,
      // A label given by a caller never replaces the recorded identity.
      labels: { 'lifeboat.io/cluster-uid': 'spoofed' },
    });
    const parsed = veleroBackupSchema().parse(JSON.parse(json));
    expect(parsed.metadata.labels?.['lifeboat.io/cluster-uid']).toBe(uid);
    expect(parsed.metadata.annotations?.['lifeboat.io/cluster-uid']).toBe(uid);
    const withId = JSON.parse(json) as Record<string, unknown>;
    expect(withId['spec']).toEqual(plain['spec']);
    expect(withId['status']).toEqual(plain['status']);
    expect(json).not.toContain('spoofed');
  });

  it('formats metav1.Time as RFC 3339 UTC truncated to seconds', () => {
    expect(goTime(new Date('2026-05-01T10:00:00.999Z'))).toBe('2026-05-01T10:00:00Z');
    expect(goTime(undefined)).toBeUndefined();
  });
});

describe('formatGoDuration (time.Duration.String)', () => {
  it.each([
    [720 * 3600_000, '720h0m0s'],
    [10 * 60_000, '10m0s'],
    [90 * 60_000, '1h30m0s'],
    [0, '0s'],
    [1500, '1.5s'],
    [61_000, '1m1s'],
    [1.5, '1.5ms'],
    [0.0005, '500ns'],
    [0.25, '250µs'],
    [-1000, '-1s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });
});

describe('parseDuration (time.ParseDuration)', () => {
  it.each([
    ['720h', 720 * 3600_000],
    ['30m', 30 * 60_000],
    ['1h30m', 90 * 60_000],
    ['720h0m0s', 720 * 3600_000],
    ['1.5h', 90 * 60_000],
    ['90s', 90_000],
    ['250ms', 250],
    ['0', 0],
    ['+5m', 300_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['7d', '', 'abc', '10', '5 m', '-1h', '1h-30m', '.h', '1x'])(
    'rejects %j with a usage error and hint',
    (text) => {
      let caught: unknown;
      try {
        parseDuration(text, '--ttl');
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(InvalidDurationError);
      const err = caught as InvalidDurationError;
      expect(err.code).toBe('USAGE');
      expect(err.message).toContain('--ttl');
      expect(err.hint).toMatch(/720h/);
    },
  );
});

/** A dictionary's value at a key given at run time (as outside names are). */
const read = (dict: Record<string, unknown>, key: string): unknown => dict[key];

describe('velero-backup.json with keys named like Object.prototype members', () => {
  it('writes and reads back labels, annotations and selectors named __proto__, constructor, toString', () => {
    const hostile = JSON.parse('{"__proto__":"p","constructor":"c","toString":"t"}') as Record<
      string,
      string
    >;
    const json = buildVeleroBackupJson({
      ...representative,
      labels: hostile,
      annotations: hostile,
      spec: { ...representative.spec, labelSelector: { matchLabels: hostile } },
    });
    expect(json).toContain('"__proto__": "p"');
    const parsed = veleroBackupSchema().parse(JSON.parse(json));
    const labels = parsed.metadata.labels!;
    expect(Object.entries(labels).filter(([k]) => !k.startsWith('velero.io/'))).toEqual([
      ['__proto__', 'p'],
      ['constructor', 'c'],
      ['toString', 't'],
    ]);
    expect(read(labels, 'hasOwnProperty')).toBeUndefined();
    expect(Object.keys(parsed.spec.labelSelector!.matchLabels!)).toEqual([
      '__proto__',
      'constructor',
      'toString',
    ]);
    expect(parsed.metadata.annotations!['__proto__']).toBe('p');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('reads a file with __proto__ objects at the top level without polluting', () => {
    const json = buildVeleroBackupJson(representative).replace('{', '{"__proto__":{"polluted":"yes"},');
    const parsed = veleroBackupSchema().parse(JSON.parse(json));
    expect(parsed.metadata.name).toBe('b1');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
