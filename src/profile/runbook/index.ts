// Runbook: the recovery runbook for rebuilding the source cluster (AKS-HCI management and workload clusters, kubeadm, generic), built from a profile and rendered as Markdown or text.
// It must never run the steps it writes; every value it cannot know is a visible fill-in, never a guess.
export { renderMarkdown, renderText } from './doc.ts';
export { buildRunbook, defaultPlatform, RUNBOOK_PLATFORMS, type RunbookPlatform } from './runbook.ts';
export { type RecoveryScope, recoveryLocationName } from './restore-steps.ts';
export {
  buildSiteRunbook,
  renderSiteMarkdown,
  renderSiteText,
  type SiteMember,
  type SitePart,
  type SiteRunbook,
} from './site.ts';
