import type { ClusterProfile } from '../schema.ts';
import type { BackupContents } from '../capture/index.ts';
import { type Block, list, mdBlock, p, type Step, textBlock } from './doc.ts';
import type { RecoveryScope } from './restore-steps.ts';
import { buildRunbook, type RunbookInput, type RunbookPlatform } from './runbook.ts';

/** A cluster of the site with the backup it is recovered from. */
export interface SiteMember {
  scope: RecoveryScope;
  backup: string;
  profile: ClusterProfile;
  contents?: BackupContents | undefined;
  platform: RunbookPlatform;
}

/** One part of the site runbook: one cluster, rebuilt then restored. */
export interface SitePart {
  cluster: string;
  role: 'management' | 'workload';
  backup: string | undefined;
  prefix: string;
  platform: RunbookPlatform | undefined;
  title: string;
  intro: Block[];
  steps: Step[];
}

export interface SiteRunbook {
  title: string;
  intro: Block[];
  parts: SitePart[];
}

/**
 * The site's recovery runbook in the seed's order (pure): the management cluster first (its
 * AKS-HCI configuration: network, Set-AksHciConfig, registration, Install-AksHci, then its own
 * configuration restored), then each workload cluster with its same-shape New-AksHciCluster call,
 * node pools, storage drivers and restore from its backup under its prefix. A cluster without a
 * backup gets a part that says so. `Get-AksHciConfig` is site-wide: when the management cluster's
 * backup lacks it, the export attached to a workload cluster's backup is used, and said so.
 */
export function buildSiteRunbook(
  members: readonly SiteMember[],
  missing: readonly { scope: RecoveryScope; reason: string }[],
): SiteRunbook {
  const management = members.find((m) => m.scope.role === 'management');
  const aksHci = members.some((m) => m.platform === 'aks-hci');
  const parts: SitePart[] = [];
  const absentManagement = missing.find((m) => m.scope.role === 'management');
  if (management !== undefined) parts.push(managementPart(management, members));
  else if (absentManagement !== undefined) parts.push(absentPart(absentManagement));
  for (const m of sorted(members)) if (m !== management) parts.push(workloadPart(m));
  for (const m of missing) if (m !== absentManagement) parts.push(absentPart(m));
  const notes: string[] = [];
  if (management === undefined && absentManagement === undefined)
    notes.push(
      'No management cluster in the fleet: mark it (clusters[].role: management, or fleet.managementCluster) so that its configuration is backed up and rebuilt first.',
    );
  return {
    title: `Site recovery runbook (${parts.length} cluster(s))`,
    intro: [
      p(
        `Rebuild the site in this order: ${parts.map((x) => `${x.cluster} (${x.role})`).join(', ')}. Each part rebuilds one cluster${aksHci ? ' with its AKS-HCI commands' : ''}, checks it against the cluster's newest backup, and restores that backup from the cluster's own prefix.`,
      ),
      ...(notes.length ? [list(notes)] : []),
    ],
    parts,
  };
}

const sorted = (members: readonly SiteMember[]) =>
  [...members].sort((a, b) => a.scope.cluster.localeCompare(b.scope.cluster));

function managementPart(m: SiteMember, members: readonly SiteMember[]): SitePart {
  let profile = m.profile;
  const notes: Block[] = [];
  const hasConfig = (x: SiteMember) => x.profile.attachments.some((a) => a.kind === 'aks-hci-config');
  if (m.platform === 'aks-hci' && !hasConfig(m)) {
    const donor = sorted(members).find(hasConfig);
    const config = donor?.profile.attachments.find((a) => a.kind === 'aks-hci-config');
    if (donor !== undefined && config !== undefined) {
      profile = { ...profile, attachments: [...profile.attachments, config] };
      notes.push(
        p(
          `The management cluster's backup ${m.backup} has no Get-AksHciConfig export; the one attached to cluster ${donor.scope.cluster}'s backup ${donor.backup} is used. Attach it to the management cluster's backups: \`lifeboat backup create NAME --cluster ${m.scope.cluster} --attach aks-hci-config=FILE\`.`,
        ),
      );
    }
  }
  return part({ ...m, profile }, 'management', notes);
}

function workloadPart(m: SiteMember): SitePart {
  return part(m, 'workload', []);
}

function part(m: SiteMember, role: 'management' | 'workload', notes: Block[]): SitePart {
  const input: RunbookInput = {
    backup: m.backup,
    profile: m.profile,
    contents: m.contents,
    platform: m.platform,
    cluster: m.scope,
    part: role,
  };
  const doc = buildRunbook(input);
  return {
    cluster: m.scope.cluster,
    role,
    backup: m.backup,
    prefix: m.scope.prefix,
    platform: m.platform,
    title: `${role === 'management' ? 'Management cluster' : 'Workload cluster'} ${m.scope.cluster} from backup ${m.backup} (prefix ${m.scope.prefix}/ of location ${m.scope.location}, ${m.platform})`,
    intro: [...doc.intro, ...notes],
    steps: doc.steps,
  };
}

function absentPart(m: { scope: RecoveryScope; reason: string }): SitePart {
  const role = m.scope.role;
  return {
    cluster: m.scope.cluster,
    role,
    backup: undefined,
    prefix: m.scope.prefix,
    platform: undefined,
    title: `${role === 'management' ? 'Management cluster' : 'Workload cluster'} ${m.scope.cluster}: no backup to recover from`,
    intro: [
      p(
        `No backup of cluster ${m.scope.cluster} could be read under prefix ${m.scope.prefix}/ of location ${m.scope.location}: ${m.reason}. Rebuild it from your own records, and back it up: \`lifeboat backup create NAME --cluster ${m.scope.cluster}\`.`,
      ),
    ],
    steps: [],
  };
}

export function renderSiteMarkdown(doc: SiteRunbook): string {
  const out: string[] = [`# ${doc.title}`, ''];
  out.push(...doc.intro.flatMap(mdBlock));
  doc.parts.forEach((part, i) => {
    out.push(`## Part ${i + 1}. ${part.title}`, '');
    out.push(...part.intro.flatMap(mdBlock));
    part.steps.forEach((s, j) => {
      out.push(`### ${i + 1}.${j + 1}. ${s.title}`, '');
      out.push(...s.blocks.flatMap(mdBlock));
    });
  });
  return `${out.join('\n').trimEnd()}\n`;
}

export function renderSiteText(doc: SiteRunbook): string {
  const out: string[] = [doc.title, '='.repeat(doc.title.length), ''];
  out.push(...doc.intro.flatMap(textBlock));
  doc.parts.forEach((part, i) => {
    const title = `Part ${i + 1}. ${part.title}`;
    out.push(title, '='.repeat(Math.min(title.length, 100)), '');
    out.push(...part.intro.flatMap(textBlock));
    part.steps.forEach((s, j) => {
      const head = `${i + 1}.${j + 1}. ${s.title}`;
      out.push(head, '-'.repeat(head.length), '');
      out.push(...s.blocks.flatMap(textBlock));
    });
  });
  return `${out.join('\n').trimEnd()}\n`;
}
