import { secondsText } from '../../drill/index.ts';
import { type DrillQuery, latestPassedDrill } from './drills.ts';

/**
 * The runbook's drill section: the newest Passed drill of the cluster (intact evidence only) with
 * its measured RTO and RPO and where its evidence is, or that none is recorded.
 */
export async function drillRunbookSection(
  query: DrillQuery & { cluster: string },
  format: 'markdown' | 'text',
): Promise<string> {
  const drill = await latestPassedDrill(query).catch(() => undefined);
  const title = format === 'markdown' ? '## Latest passing DR drill' : 'LATEST PASSING DR DRILL';
  const code = (s: string) => (format === 'markdown' ? `\`${s}\`` : s);
  if (drill === undefined)
    return `\n${title}\n\nNo passing DR drill is recorded for cluster ${query.cluster}: the recovery time is not measured. Run ${code(`lifeboat drill run --cluster ${query.cluster}`)}.\n`;
  return [
    '',
    title,
    '',
    `Cluster ${query.cluster} was last restored in drill ${code(drill.name)} (backup ${drill.backup ?? '—'}), Passed at ${drill.completed}.`,
    `Measured RTO: ${secondsText(drill.rtoSeconds)}; RPO at the drill: ${secondsText(drill.rpoSeconds)}.`,
    `Evidence: restores/${drill.name}/ in the cluster's location; ${code(`lifeboat drill report ${drill.name} --cluster ${query.cluster} -o html`)}.`,
    '',
  ].join('\n');
}
