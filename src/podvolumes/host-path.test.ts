import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { containerStartedOnNode, findVolumeHostPath } from './host-path.ts';

const UID = '5d1f0a4e-0000-4000-8000-000000000001';
let pods: string;

beforeEach(async () => {
  pods = await mkdtemp(join(tmpdir(), 'lifeboat-hostpods-'));
});
afterEach(async () => {
  await rm(pods, { recursive: true, force: true });
});

const dir = async (...parts: string[]) => {
  const path = join(pods, UID, 'volumes', ...parts);
  await mkdir(path, { recursive: true });
  return path;
};

describe('findVolumeHostPath: <pods>/<uid>/volumes/*/<dir>, exactly one match', () => {
  it("finds an emptyDir, a local PV and a CSI volume's mount dir", async () => {
    const empty = await dir('kubernetes.io~empty-dir', 'scratch');
    const local = await dir('kubernetes.io~local-volume', 'pv-local');
    const csi = await dir('kubernetes.io~csi', 'pvc-1234', 'mount');
    expect(await findVolumeHostPath(pods, UID, 'scratch')).toBe(empty);
    expect(await findVolumeHostPath(pods, UID, 'pv-local')).toBe(local);
    expect(await findVolumeHostPath(pods, UID, 'pvc-1234/mount')).toBe(csi);
  });

  it('no match names the plugins found; two matches name both; a file is not a match', async () => {
    await dir('kubernetes.io~empty-dir', 'other');
    await writeFile(join(await dir('kubernetes.io~secret'), 'data'), 'x');
    await expect(findVolumeHostPath(pods, UID, 'data')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      hint: expect.stringContaining('kubernetes.io~empty-dir, kubernetes.io~secret') as unknown,
    });
    await dir('kubernetes.io~empty-dir', 'twice');
    await dir('kubernetes.io~local-volume', 'twice');
    await expect(findVolumeHostPath(pods, UID, 'twice')).rejects.toThrow(
      /2 directories match .*empty-dir\/twice, .*local-volume\/twice/,
    );
  });

  it('a pod the node does not have, and hostile names, are refused', async () => {
    await expect(findVolumeHostPath(pods, UID, 'x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(findVolumeHostPath(pods, '../etc', 'x')).rejects.toMatchObject({ code: 'USAGE' });
    await expect(findVolumeHostPath(pods, UID, '../../x')).rejects.toMatchObject({ code: 'USAGE' });
    await expect(findVolumeHostPath(pods, UID, 'a/b/c')).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe("containerStartedOnNode: the kubelet's <pods>/<uid>/containers/<name>/", () => {
  it('says yes once the directory exists, and no for a file, another pod or a name that is not one', async () => {
    expect(await containerStartedOnNode(pods, UID, 'restore-wait')).toBe(false);
    await mkdir(join(pods, UID, 'containers'), { recursive: true });
    await writeFile(join(pods, UID, 'containers', 'restore-wait'), '');
    expect(await containerStartedOnNode(pods, UID, 'restore-wait')).toBe(false);
    await rm(join(pods, UID, 'containers', 'restore-wait'));
    await mkdir(join(pods, UID, 'containers', 'restore-wait'));
    expect(await containerStartedOnNode(pods, UID, 'restore-wait')).toBe(true);
    expect(await containerStartedOnNode(pods, '5d1f0a4e-0000-4000-8000-000000000002', 'restore-wait')).toBe(
      false,
    );
    expect(await containerStartedOnNode(pods, UID, '..')).toBe(false);
    expect(await containerStartedOnNode(pods, '../x', 'restore-wait')).toBe(false);
  });
});
