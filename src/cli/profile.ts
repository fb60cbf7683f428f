import { type Command, Option } from 'commander';
import {
  backupProfile,
  captureClusterProfile,
  type ClusterProfile,
  diffSides,
  readAttachments,
  renderFindings,
  summarizeProfile,
} from '../app/profile/index.ts';
import { formatOutput } from '../output/index.ts';
import { ExitCode } from '../errors/index.ts';
import { globalOptions, loggerFor } from './globals.ts';
import { attachOption, ObjectName, outputOption, parseWith } from './flags.ts';

type ProfileFormat = 'text' | 'yaml' | 'json';
const formatOption = (fallback: ProfileFormat) =>
  new Option('-o, --output <format>', 'text (a summary), yaml or json (the full profile)')
    .choices(['text', 'yaml', 'json'])
    .default(fallback);

function printProfile(profile: ClusterProfile, format: ProfileFormat): void {
  process.stdout.write(format === 'text' ? summarizeProfile(profile) : formatOutput(profile, format));
}

export function registerProfileCommands(program: Command): void {
  const profile = program
    .command('profile')
    .description('the cluster configuration a Velero backup lacks: capture, show, compare');
  profileCaptureCommand(profile);
  profileShowCommand(profile);
  profileDiffCommand(profile);
}

function profileCaptureCommand(profile: Command): void {
  profile
    .command('capture')
    .description(
      'capture the profile of a live cluster (control plane, node pools, network, storage, admission)',
    )
    .option('--kubeconfig <file>', 'kubeconfig of the cluster (default: $KUBECONFIG, ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .addOption(attachOption())
    .addOption(formatOption('yaml'))
    .action(
      async (opts: { kubeconfig?: string; context?: string; attach?: string[]; output: ProfileFormat }) => {
        const attachments = await readAttachments(opts.attach ?? []);
        const captured = await captureClusterProfile(
          { kubeconfig: opts.kubeconfig, context: opts.context },
          attachments,
        );
        printProfile(captured, opts.output);
      },
    );
}

function profileShowCommand(profile: Command): void {
  profile
    .command('show')
    .description('show the profile stored with a backup (or what a backup without one shows)')
    .requiredOption('--from-backup <name>', 'backup name')
    .option('--storage-location <name>', 'storage location (default: the default location)')
    .addOption(formatOption('text'))
    .action(
      async (
        opts: { fromBackup: string; storageLocation?: string; output: ProfileFormat },
        command: Command,
      ) => {
        const name = parseWith(ObjectName, opts.fromBackup, 'backup name');
        const side = await backupProfile(
          {
            configPath: globalOptions(command).config,
            location: opts.storageLocation,
            logger: loggerFor(command),
          },
          name,
        );
        if (side.derived)
          process.stderr.write(
            `Backup "${name}" has no cluster profile (made by Velero or without one): showing what its contents tell.\n`,
          );
        printProfile(side.profile, opts.output);
      },
    );
}

function profileDiffCommand(profile: Command): void {
  profile
    .command('diff')
    .description(
      'compare two profiles, B judged as the restore target of A (exit 1 when B has blocking findings); each side a profile file, backup:NAME or cluster:KUBECONFIG[@CONTEXT]',
    )
    .argument('<a>', 'the source: profile file, backup:NAME or cluster:KUBECONFIG')
    .argument('<b>', 'the target: profile file, backup:NAME or cluster:KUBECONFIG')
    .option('--storage-location <name>', 'storage location for backup: sides')
    .addOption(outputOption())
    .action(
      async (
        a: string,
        b: string,
        opts: { storageLocation?: string; output: 'table' | 'json' | 'yaml' },
        command: Command,
      ) => {
        const result = await diffSides(
          {
            configPath: globalOptions(command).config,
            location: opts.storageLocation,
            logger: loggerFor(command),
          },
          a,
          b,
        );
        const blocking = result.findings.some((f) => f.severity === 'blocking');
        if (opts.output !== 'table') {
          process.stdout.write(
            formatOutput(
              { source: result.source.label, target: result.target.label, findings: result.findings },
              opts.output,
            ),
          );
        } else {
          process.stdout.write(
            `Comparing ${result.source.label} (source) with ${result.target.label} (target):\n\n`,
          );
          for (const side of [result.source, result.target])
            if (side.derived)
              process.stdout.write(
                `Note: ${side.label} has no cluster profile; only its contents were compared.\n\n`,
              );
          process.stdout.write(renderFindings(result.findings));
        }
        process.exitCode = blocking ? ExitCode.failed : ExitCode.ok;
      },
    );
}
