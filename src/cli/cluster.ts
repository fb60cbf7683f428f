import { type Command, Option } from 'commander';
import {
  addCluster,
  type ClusterView,
  describeCluster,
  getClusters,
  removeCluster,
} from '../app/clusters/index.ts';
import { type Column, formatOutput, renderTable } from '../output/index.ts';
import { globalOptions } from './globals.ts';
import { keyValues, outputOption, type OutputFormat } from './flags.ts';

export function registerClusterCommands(program: Command): void {
  const cluster = program
    .command('cluster')
    .description('the fleet: clusters lifeboat backs up, configured or discovered in a management cluster');
  cluster
    .command('add')
    .description('connect to a cluster, record its identity, and add it to the config file')
    .argument('<name>', 'cluster name (a DNS label); its backups go under clusters/<name>/ of its location')
    .requiredOption('--kubeconfig <file>', 'kubeconfig of the cluster')
    .option('--context <name>', 'kubeconfig context')
    .option('--labels <k=v,...>', 'labels to select the cluster by (schedules, views)')
    .option('--standby <kubeconfig>', 'kubeconfig of its cold standby cluster')
    .option('--standby-context <name>', 'kubeconfig context of the standby')
    .option('--storage-location <name>', 'its own storage location (default: the default location)')
    .option('--prefix <prefix>', 'its folder inside the location (default: clusters/<name>)')
    .addOption(
      new Option(
        '--role <role>',
        "management for the site's management cluster (the AKS host), whose backups carry its Get-AksHciConfig export",
      )
        .choices(['management', 'workload'])
        .default('workload'),
    )
    .action(async (name: string, opts: AddOptions, command: Command) => {
      const added = await addCluster(globalOptions(command).config, {
        name,
        kubeconfig: opts.kubeconfig,
        context: opts.context,
        labels: opts.labels === undefined ? undefined : keyValues(opts.labels, '--labels'),
        standby:
          opts.standby === undefined ? undefined : { kubeconfig: opts.standby, context: opts.standbyContext },
        location: opts.storageLocation,
        prefix: opts.prefix,
        role: opts.role,
      });
      process.stdout.write(
        `${added.role === 'management' ? 'Management cluster' : 'Cluster'} "${added.name}" added (identity ${added.uid ?? ''}, ${added.server ?? ''}); its backups go to location "${added.location}" under ${added.prefix}/.\n`,
      );
    });
  cluster
    .command('get')
    .description('list the clusters of the fleet, each with its identity and whether it answers')
    .addOption(outputOption())
    .action(async (opts: { output: OutputFormat }, command: Command) => {
      const { clusters, problems } = await getClusters(globalOptions(command).config);
      for (const p of problems) process.stderr.write(`warning: ${p}\n`);
      if (opts.output !== 'table') {
        process.stdout.write(formatOutput(clusters, opts.output));
        return;
      }
      process.stdout.write(clusters.length === 0 ? 'No clusters.\n' : renderTable(clusters, COLUMNS));
    });
  cluster
    .command('describe')
    .description('show one cluster: identity, server, labels, where its backups go, its standby')
    .argument('<name>')
    .addOption(outputOption())
    .action(async (name: string, opts: { output: OutputFormat }, command: Command) => {
      const c = await describeCluster(globalOptions(command).config, name);
      process.stdout.write(opts.output === 'table' ? describeText(c) : formatOutput(c, opts.output));
    });
  cluster
    .command('remove')
    .description('remove a cluster from the config file (its backups are not touched)')
    .argument('<name>')
    .action(async (name: string, _opts: unknown, command: Command) => {
      await removeCluster(globalOptions(command).config, name);
      process.stdout.write(`Cluster "${name}" removed from the config; its backups were not touched.\n`);
    });
}

interface AddOptions {
  kubeconfig: string;
  context?: string;
  labels?: string;
  standby?: string;
  standbyContext?: string;
  storageLocation?: string;
  prefix?: string;
  role: 'management' | 'workload';
}

/** `yes`, or `no (kind): reason`: what failed and where, as the probe classified it. */
const reachability = (c: ClusterView) =>
  c.reachable ? 'yes' : `no (${c.unreachable ?? 'other'}): ${c.reason ?? 'unknown'}`;

const labelText = (c: ClusterView) =>
  Object.entries(c.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

const COLUMNS: Column<ClusterView>[] = [
  { header: 'NAME', value: (c) => c.name },
  { header: 'ROLE', value: (c) => c.role },
  { header: 'IDENTITY', value: (c) => c.uid },
  { header: 'SERVER', value: (c) => c.server },
  { header: 'LABELS', value: labelText },
  { header: 'SOURCE', value: (c) => c.source },
  { header: 'REACHABLE', value: reachability },
];

function describeText(c: ClusterView): string {
  const lines = [
    `Name:        ${c.name}`,
    `Role:        ${c.role}`,
    `Identity:    ${c.uid ?? '<unknown: never reached>'}`,
    `Server:      ${c.server ?? '<unknown>'}`,
    `Reachable:   ${reachability(c)}`,
    `Source:      ${c.source} (${c.origin})`,
    `Kubeconfig:  ${c.kubeconfig}${c.context === undefined ? '' : ` (context ${c.context})`}`,
    `Labels:      ${labelText(c) || '<none>'}`,
    `Backups:     location "${c.location}", prefix ${c.prefix}/`,
    `Standby:     ${c.standby?.kubeconfig ?? '<none>'}${c.standby?.context === undefined ? '' : ` (context ${c.standby.context})`}`,
  ];
  if (c.reason !== undefined && c.reachable) lines.push(`Warning:     ${c.reason}`);
  if (c.alsoFrom.length > 0) lines.push(`Also found:  ${c.alsoFrom.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
