/**
 * Pod volume data on REAL nodes, restored somewhere else than it came from: the backup's
 * `-volumeinfo.json.gz` describes each volume as Velero's does, and a restore with
 * `--namespace-mappings` and `--storage-class-mappings` gives the pod in the new namespace its data,
 * its claim (without the old volumeName) bound to a PV of the standby's own class that an operator
 * made beforehand (no dynamic provisioner runs on the harness nodes).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '../helpers/kube.ts';
import { containerLog, podVolumeDir } from '../helpers/nodes.ts';
import { appWithLocalClaim, podLogging, type RealNodes, realNodes } from '../helpers/pod-volumes-nodes.ts';
import {
  createLocalVolume,
  readBackupSidecar,
  readGzipJson,
  readPodVolumeBackups,
  treeOf,
} from '../helpers/real-pod-volumes.ts';

const app = uniqueName('fsbmap');
const mapped = `${app}-dr`;
const sourceClass = `${app}-src-local`;
const standbyClass = `${app}-dr-local`;
const sourcePv = `${app}-src`;
const standbyPv = `${app}-dr`;
const sourceDirs = new Map<string, string>();
let t: RealNodes;

beforeAll(async () => {
  t = await realNodes(inject('harness'), 'pod volumes restored with mappings on real nodes');
  await t.deployAgents();
}, 900_000);

afterAll(async () => {
  await t?.close([app, mapped]);
});

describe('pod volume data restored with namespace and storage class mappings (real nodes)', () => {
  it("records each volume in -volumeinfo.json.gz as Velero's PodVolumeBackup entries", async () => {
    const node = t.nodes.source;
    const pod = await appWithLocalClaim(t.kube.source, node, app, sourceClass, sourcePv);
    sourceDirs.set('data', podVolumeDir(node, pod, 'local-volume', sourcePv));
    sourceDirs.set('scratch', podVolumeDir(node, pod, 'empty-dir', 'scratch'));
    const backup = await t.backup(`${app}-b`, app);
    expect(backup.status, backup.stdout + backup.stderr).toBe(0);

    const pvbs = (await readPodVolumeBackups(t.s3, t.bucket, `${app}-b`)) as {
      spec: { volume: string };
      status: { snapshotID: string; progress: { totalBytes: number } };
    }[];
    const snapshotOf = (volume: string) => pvbs.find((p) => p.spec.volume === volume)?.status.snapshotID;
    const infos = (await readBackupSidecar(t.s3, t.bucket, `${app}-b`, 'volumeinfo.json.gz')) as Record<
      string,
      unknown
    >[];
    const byVolume = new Map(infos.map((i) => [(i['pvbInfo'] as { volumeName: string }).volumeName, i]));
    expect([...byVolume.keys()].sort()).toEqual(['data', 'scratch']);
    const pvbInfo = (volume: string) => ({
      snapshotHandle: snapshotOf(volume),
      uploaderType: 'kopia',
      volumeName: volume,
      podName: 'db',
      podNamespace: app,
      nodeName: node.name,
      Phase: 'Completed',
    });
    expect(byVolume.get('data')).toMatchObject({
      pvcName: 'data',
      pvcNamespace: app,
      pvName: sourcePv,
      backupMethod: 'PodVolumeBackup',
      snapshotDataMoved: false,
      skipped: false,
      result: 'succeeded',
      pvbInfo: pvbInfo('data'),
    });
    expect(byVolume.get('scratch')).toMatchObject({
      backupMethod: 'PodVolumeBackup',
      result: 'succeeded',
      pvbInfo: pvbInfo('scratch'),
    });
    expect(byVolume.get('scratch')).not.toHaveProperty('pvcName');
    const size = (byVolume.get('data')?.['pvbInfo'] as { size?: number }).size;
    expect(size).toBe(pvbs.find((p) => p.spec.volume === 'data')?.status.progress.totalBytes);
    expect(size).toBeGreaterThan(5 << 20);
  }, 600_000);

  it("restores the pod into a mapped namespace, its claim onto the standby's class and pre-made PV, with its data", async () => {
    const node = t.nodes.standby;
    const client = t.kube.standby;
    // The standby's own class (the source's does not exist there) and a PV of it on the node.
    await createLocalVolume(client, node, standbyClass, standbyPv);
    const restore = await t.restore(
      `${app}-r`,
      `${app}-b`,
      ...['--namespace-mappings', `${app}:${mapped}`],
      ...['--storage-class-mappings', `${sourceClass}:${standbyClass}`],
    );
    expect(restore.status, restore.stdout + restore.stderr).toBe(0);
    expect(restore.stdout).toContain(`Restore "${app}-r" Completed`);
    t.figures.push(`restore into a mapped namespace and class, 2 volumes: ${restore.ms} ms`);

    const pod = await podLogging(client, node, mapped, 'db', /VERIFIED|CORRUPT|WRITTEN/);
    expect(await containerLog(node, pod, 'app')).toBe('VERIFIED');
    expect(await treeOf(podVolumeDir(node, pod, 'local-volume', standbyPv))).toEqual(
      await treeOf(sourceDirs.get('data') ?? ''),
    );
    expect(await treeOf(podVolumeDir(node, pod, 'empty-dir', 'scratch'))).toEqual(
      await treeOf(sourceDirs.get('scratch') ?? ''),
    );

    // The claim came back without the source's volumeName: it is on the mapped class, bound to the
    // standby's PV; the source's PV was not created.
    const claim = await client.json<{ spec: { storageClassName?: string; volumeName?: string } }>({
      path: `/api/v1/namespaces/${mapped}/persistentvolumeclaims/data`,
    });
    expect(claim.spec).toMatchObject({ storageClassName: standbyClass, volumeName: standbyPv });
    const oldPv = await client.json({ path: `/api/v1/persistentvolumes/${sourcePv}` }).then(
      () => true,
      () => false,
    );
    expect(oldPv).toBe(false);
    expect(await client.json({ path: `/api/v1/namespaces/${app}` }).catch(() => undefined)).toBeUndefined();

    const described = await t.lifeboat('restore', 'describe', `${app}-r`);
    expect(described.stdout).toContain('Pod volume restores (kopia): Completed 2');
    expect(described.stdout).toMatch(new RegExp(`${mapped}/db\\s+data\\s+Completed`));
    // Velero's restore volume info: the claim's volume (not the emptyDir), with its new PV.
    const infos = await readGzipJson(t.s3, t.bucket, `restores/${app}-r/${app}-r-volumeinfo.json.gz`);
    expect(infos).toEqual([
      {
        pvcName: 'data',
        pvcNamespace: mapped,
        pvName: standbyPv,
        restoreMethod: 'PodVolumeRestore',
        snapshotDataMoved: false,
        pvrInfo: {
          snapshotHandle: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown,
          size: expect.any(Number) as unknown,
          uploaderType: 'kopia',
          volumeName: 'data',
          podName: 'db',
          podNamespace: mapped,
          Phase: '',
        },
      },
    ]);
  }, 600_000);
});
