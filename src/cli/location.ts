import { Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import * as z from 'zod';
import {
  checkLocation,
  createLocation,
  deleteLocation,
  findLocation,
  getLocations,
  type CheckStep,
  type LocationCheck,
} from '../app/locations/index.ts';
import { LifeboatError, type ErrorCode } from '../errors/index.ts';
import { type Location, nullObject } from '../model/index.ts';
import { formatOutput, renderTable, type Column, type OutputFormat } from '../output/index.ts';
import { outputOption } from './flags.ts';
import { globalOptions, loggerFor } from './globals.ts';

const PROVIDERS = ['aws', 'azure', 'filesystem', 'velero.io/aws', 'velero.io/azure'];

const CreateFlags = z.object({
  provider: z.string(),
  bucket: z.string().min(1, 'must not be empty'),
  prefix: z.string().optional(),
  providerConfig: z.string().optional(),
  credentialsFile: z.string().min(1).optional(),
  cacert: z.string().min(1).optional(),
  default: z.boolean().default(false),
  accessMode: z.enum(['ReadWrite', 'ReadOnly']).default('ReadWrite'),
});

export function registerLocationCommands(program: Command): void {
  const location = program
    .command('location')
    .alias('backup-location')
    .description('storage locations (Velero BackupStorageLocations): where backups are kept');
  location
    .command('create')
    .description('add a storage location to the config file')
    .argument('<name>', 'location name (a DNS label)')
    .addOption(
      new Option('--provider <provider>', 'object store provider').choices(PROVIDERS).makeOptionMandatory(),
    )
    .requiredOption('--bucket <bucket>', 'S3 bucket, Azure container, or (filesystem) the root folder')
    .option('--prefix <prefix>', 'folder inside the bucket where Velero data lives')
    // Velero spells this --config; here --config is the global config-file option.
    .option(
      '--provider-config <k=v,...>',
      "provider config (Velero's --config), e.g. region=eu-west-1,s3Url=http://minio:9000,s3ForcePathStyle=true",
    )
    .option('--credentials-file <file>', 'AWS shared-credentials file or Azure dotenv file (Velero formats)')
    .option('--cacert <file>', 'PEM CA bundle to trust for the endpoint')
    .option('--default', 'make this the default location')
    .addOption(
      new Option('--access-mode <mode>', 'ReadWrite, or ReadOnly to refuse new backups').choices([
        'ReadWrite',
        'ReadOnly',
      ]),
    )
    .action(async (name: string, raw: Record<string, unknown>, command: Command) => {
      const flags = parseFlags(raw);
      const created = await createLocation(configFile(command), {
        name,
        provider: flags.provider,
        bucket: flags.bucket,
        prefix: flags.prefix,
        config: keyValues(flags.providerConfig),
        credentialsFile: flags.credentialsFile,
        caCertFile: flags.cacert,
        default: flags.default,
        accessMode: flags.accessMode,
      });
      process.stdout.write(
        `Location "${created.name}" created (${created.provider}, ${created.objectStorage.bucket}).\n`,
      );
      process.stdout.write(`Run "lifeboat location check ${created.name}" to verify it.\n`);
    });
  location
    .command('get')
    .description('show storage locations')
    .argument('[name]', 'only this location')
    .addOption(outputOption())
    .action(async (name: string | undefined, opts: { output: OutputFormat }, command: Command) => {
      const locations = await getLocations(configFile(command), name);
      const value = name === undefined ? locations : (locations[0] ?? locations);
      process.stdout.write(formatOutput(value, opts.output, LOCATION_COLUMNS));
    });
  location
    .command('check')
    .description('verify a location: reachable, writable (probe object), and valid for Velero')
    .argument('[name]', 'location name (default: the default location)')
    .addOption(outputOption())
    .action(async (name: string | undefined, opts: { output: OutputFormat }, command: Command) => {
      const target = await findLocation(configFile(command), name);
      const result = await checkLocation(target, { logger: loggerFor(command) });
      process.stdout.write(opts.output === 'table' ? renderCheck(result) : formatOutput(result, opts.output));
      if (!result.ok) throw checkFailure(result);
    });
  location
    .command('delete')
    .description('remove a location from the config file (its data is never deleted)')
    .argument('<name>', 'location name')
    .action(async (name: string, _opts: unknown, command: Command) => {
      await deleteLocation(configFile(command), name);
      process.stdout.write(`Location "${name}" removed from the config; its data was not touched.\n`);
    });
}

const LOCATION_COLUMNS: Column<Location>[] = [
  { header: 'Name', value: (l) => l.name },
  { header: 'Provider', value: (l) => l.provider },
  { header: 'Bucket', value: (l) => l.objectStorage.bucket },
  { header: 'Prefix', value: (l) => l.objectStorage.prefix },
  { header: 'Access Mode', value: (l) => l.accessMode },
  { header: 'Default', value: (l) => (l.default ? 'true' : '') },
];

/** The config file path; a "k=v" value means provider settings were given to the wrong flag. */
function configFile(command: Command): string | undefined {
  const path = globalOptions(command).config;
  if (path !== undefined && /^[A-Za-z][\w.-]*=/.test(path) && !existsSync(path)) {
    throw new LifeboatError(
      'USAGE',
      `--config takes the lifeboat config file, and '${path}' looks like provider settings`,
      {
        hint: 'give provider settings with --provider-config k=v,... (Velero calls it --config)',
      },
    );
  }
  return path;
}

function parseFlags(raw: Record<string, unknown>): z.infer<typeof CreateFlags> {
  const parsed = CreateFlags.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const flag = `--${String(issue?.path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  throw new LifeboatError('USAGE', `${flag}: ${issue?.message ?? 'invalid value'}`, {
    hint: 'see lifeboat location create --help',
  });
}

/** "k=v,k2=v2" → record; a value may be empty ("checksumAlgorithm="). */
function keyValues(text: string | undefined): Record<string, string> {
  const out = nullObject<string>();
  if (text === undefined || text.trim() === '') return out;
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? '' : pair.slice(0, eq).trim();
    if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(key)) {
      throw new LifeboatError('USAGE', `--config: '${pair}' is not key=value`, {
        hint: 'write --config region=us-east-1,s3ForcePathStyle=true',
      });
    }
    out[key] = pair.slice(eq + 1).trim();
  }
  return out;
}

function renderCheck(result: LocationCheck): string {
  const steps: [string, CheckStep][] = [
    ['reachable', result.reachable],
    ['writable', result.writable],
    ['velero-valid', result.veleroValid],
  ];
  const columns: Column<[string, CheckStep]>[] = [
    { header: 'Check', value: ([name]) => name },
    { header: 'Result', value: ([, s]) => (s.skipped === true ? 'skipped' : s.ok ? 'ok' : 'FAILED') },
    { header: 'Detail', value: ([, s]) => s.message },
  ];
  return `Location "${result.location}" (${result.store})\n${renderTable(steps, columns)}`;
}

function checkFailure(result: LocationCheck): LifeboatError {
  const failed = [result.reachable, result.writable, result.veleroValid].find(
    (s) => !s.ok && s.skipped !== true,
  );
  const code = (failed?.code ?? 'OPERATION_FAILED') as ErrorCode;
  return new LifeboatError(
    code,
    `location ${result.location} failed its check: ${failed?.message ?? 'see above'}`,
    {
      hint: failed?.hint ?? 'fix the problem shown above and run the check again',
    },
  );
}
