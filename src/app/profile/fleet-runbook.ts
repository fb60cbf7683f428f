import { mapBounded } from '../../concurrency/index.ts';
import { LifeboatError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import {
  buildRunbook,
  buildSiteRunbook,
  type ClusterProfile,
  defaultPlatform,
  deriveProfile,
  type RecoveryScope,
  renderMarkdown,
  renderSiteMarkdown,
  renderSiteText,
  renderText,
  type RunbookPlatform,
  type SiteMember,
  type SiteRunbook,
} from '../../profile/index.ts';
import { type BackupEvidence, loadBackupEvidence } from './backup-evidence.ts';
import { drillRunbookSection } from '../drill/drill-runbook.ts';
import { type FleetMember, fleetMember, fleetMembers, newestBackup } from './fleet-members.ts';

export interface FleetRunbookRequest {
  configPath: string | undefined;
  logger: Logger;
  platform: RunbookPlatform | undefined;
  format: 'markdown' | 'text' | 'json';
}

/** One cluster's runbook: the steps of its part of the site, and the restore from its prefix. */
export async function makeClusterRunbook(
  request: FleetRunbookRequest,
  cluster: string,
  backup?: string,
): Promise<{ text: string; backup: string; derived: boolean }> {
  const m = await fleetMember(request.configPath, cluster);
  const name = backup ?? (await newestBackup(request, m.name));
  const loaded = await load(request, m, name);
  const doc = buildRunbook({
    backup: name,
    profile: loaded.profile,
    contents: loaded.evidence.contents,
    platform: loaded.platform,
    cluster: scopeOf(m),
    part: m.role,
  });
  const { format } = request;
  const text =
    format === 'json'
      ? `${JSON.stringify({ cluster: m.name, role: m.role, ...doc }, null, 2)}\n`
      : (format === 'markdown' ? renderMarkdown(doc) : renderText(doc)) +
        (await drillRunbookSection(
          { configPath: request.configPath, location: undefined, logger: request.logger, cluster: m.name },
          format,
        ));
  return { text, backup: name, derived: loaded.evidence.profile === undefined };
}

/**
 * The site's runbook: every configured cluster from its newest backup under its prefix, the
 * management cluster first. A cluster whose backups cannot be read is a part saying why, never a
 * failure of the whole. On an AKS-HCI site (any backup with AKS-HCI exports) every part is written
 * for AKS-HCI unless `platform` says otherwise.
 */
export async function makeSiteRunbook(
  request: FleetRunbookRequest,
): Promise<{ text: string; doc: SiteRunbook; derived: string[] }> {
  const members = await fleetMembers(request.configPath);
  const loaded = await mapBounded(members, 2, async (m) => {
    try {
      const backup = await newestBackup(request, m.name);
      return { m, backup, ...(await load(request, m, backup)) };
    } catch (err) {
      if (!(err instanceof LifeboatError)) throw err;
      request.logger.warn({ cluster: m.name, code: err.code }, `cluster ${m.name} left out of the runbook`);
      return { m, error: err.message };
    }
  });
  const site: SiteMember[] = [];
  const missing: { scope: RecoveryScope; reason: string }[] = [];
  const aksHci = loaded.some((l) => 'platform' in l && l.platform === 'aks-hci');
  for (const l of loaded) {
    if (!('profile' in l)) {
      missing.push({ scope: scopeOf(l.m), reason: l.error });
      continue;
    }
    const platform = request.platform ?? (aksHci ? 'aks-hci' : l.platform);
    site.push({
      scope: scopeOf(l.m),
      backup: l.backup,
      profile: l.profile,
      contents: l.evidence.contents,
      platform,
    });
  }
  const doc = buildSiteRunbook(site, missing);
  const text =
    request.format === 'json'
      ? `${JSON.stringify(doc, null, 2)}\n`
      : request.format === 'markdown'
        ? renderSiteMarkdown(doc)
        : renderSiteText(doc);
  const derived = loaded
    .filter((l) => 'evidence' in l && l.evidence.profile === undefined)
    .map((l) => l.m.name);
  return { text, doc, derived };
}

function scopeOf(m: FleetMember): RecoveryScope {
  return {
    cluster: m.name,
    role: m.role,
    prefix: m.prefix,
    location: m.locationName,
    provider: m.location.provider,
    bucket: m.location.objectStorage.bucket,
  };
}

/** The backup's evidence, its profile (derived from its contents when it has none) and its platform. */
async function load(
  request: FleetRunbookRequest,
  m: FleetMember,
  backup: string,
): Promise<{ evidence: BackupEvidence; profile: ClusterProfile; platform: RunbookPlatform }> {
  const evidence = await loadBackupEvidence(
    { configPath: request.configPath, location: undefined, logger: request.logger, cluster: m.name },
    backup,
  );
  const profile = evidence.profile ?? deriveProfile(evidence.contents);
  if (evidence.profile && !evidence.profile.storage.usedByBackup)
    profile.storage.usedByBackup = deriveProfile(evidence.contents).storage.usedByBackup;
  // AKS-HCI exports attached to the backup say the cluster runs on AKS-HCI, whatever its nodes look like.
  const attached = profile.attachments.some((a) => a.kind.startsWith('aks-hci'));
  const platform = request.platform ?? (attached ? 'aks-hci' : defaultPlatform(profile));
  return { evidence, profile, platform };
}
