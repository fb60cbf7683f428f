import { LifeboatError } from '../../errors/index.ts';
import { nullObject } from '../../model/index.ts';
import { type SnapshotSource, veleroSnapshotFields, veleroSnapshotSource } from '../../volumedata/index.ts';

/** What a snapshot is filed under: its kopia source, and the tags, description and pins it gets. */
export interface SnapshotIdentity {
  source: SnapshotSource;
  tags: Record<string, string>;
  description: string;
  pins: string[];
}

const LABEL = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const KOPIA_SOURCE = /^([^@:\s]+)@([^@:\s]+):(\S.*)$/;

/**
 * The source of `repo snapshot --source NAME` in namespace `ns`:
 * - `POD/VOLUME`: a pod volume, as Velero's file-system backup files it
 *   (`default@default:pod-volume-backup-restore/kopia/<ns>/<pod>/<volume>`, Velero's tags and pin);
 * - `PVC`: a volume moved by Velero's data mover (`…snapshot-data-upload-download/kopia/<ns>/<pvc>`);
 * - `USER@HOST:PATH`: kopia's own source, taken as is (no Velero tags).
 * `--tag` pairs are added to the tags and `--description` replaces the description.
 */
export function snapshotIdentity(
  sourceFlag: string,
  namespace: string,
  extra: { tags: Record<string, string>; description?: string | undefined },
): SnapshotIdentity {
  const kopia = KOPIA_SOURCE.exec(sourceFlag);
  let base: SnapshotIdentity;
  if (kopia !== null) {
    base = {
      source: { userName: kopia[1] ?? '', host: kopia[2] ?? '', path: kopia[3] ?? '' },
      tags: nullObject<string>(),
      description: '',
      pins: [],
    };
  } else {
    const parts = sourceFlag.split('/');
    if (parts.length > 2 || !parts.every((p) => p.length <= 253 && LABEL.test(p)))
      throw new LifeboatError('USAGE', `--source '${sourceFlag}' is not POD/VOLUME, PVC or USER@HOST:PATH`, {
        hint: 'e.g. --source web-0/data (a pod volume), --source data-pvc (a data-mover volume), or --source me@host:/srv',
      });
    const requester = parts.length === 2 ? 'pod-volume-backup-restore' : 'snapshot-data-upload-download';
    const fields = veleroSnapshotFields(requester);
    base = {
      source: veleroSnapshotSource(requester, `${namespace}/${sourceFlag}`),
      tags: Object.assign(nullObject<string>(), fields.tags),
      description: fields.description,
      pins: [...(fields.pins ?? [])],
    };
  }
  return {
    ...base,
    tags: Object.assign(base.tags, extra.tags),
    description: extra.description ?? base.description,
  };
}
