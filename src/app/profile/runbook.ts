import {
  buildRunbook,
  defaultPlatform,
  deriveProfile,
  renderMarkdown,
  renderText,
  type RunbookPlatform,
} from '../../profile/index.ts';
import { loadBackupEvidence, type BackupQueryInput } from './backup-evidence.ts';

export { RUNBOOK_PLATFORMS, type RunbookPlatform } from '../../profile/index.ts';

export interface RunbookRequest extends BackupQueryInput {
  backup: string;
  platform: RunbookPlatform | undefined;
  format: 'markdown' | 'text';
}

/** The recovery runbook of a backup, from its profile (or what its contents show when it has none). */
export async function makeRunbook(
  request: RunbookRequest,
): Promise<{ text: string; platform: RunbookPlatform; derived: boolean }> {
  const evidence = await loadBackupEvidence(request, request.backup);
  const profile = evidence.profile ?? deriveProfile(evidence.contents);
  if (evidence.profile && !evidence.profile.storage.usedByBackup) {
    profile.storage.usedByBackup = deriveProfile(evidence.contents).storage.usedByBackup;
  }
  const platform = request.platform ?? defaultPlatform(profile);
  const doc = buildRunbook({
    backup: request.backup,
    profile,
    contents: evidence.contents,
    location: request.location,
    platform,
  });
  return {
    text: request.format === 'markdown' ? renderMarkdown(doc) : renderText(doc),
    platform,
    derived: evidence.profile === undefined,
  };
}
