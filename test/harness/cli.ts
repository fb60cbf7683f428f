/**
 * `npm run harness -- up|down|build --state-dir DIR [--clusters source,standby] [--nodes N] [--s3] [--azure]`
 * Starts the real test components in the background (or stops them), for people and scripts.
 */
import { parseArgs } from 'node:util';
import { ensureComponent } from './build.ts';
import { ALL_COMPONENTS } from './components.ts';
import { down, up } from './harness.ts';
import { ensureNodePackages } from './system-packages.ts';

const usage = `usage:
  npm run harness -- up --state-dir DIR [--clusters source,standby] [--nodes N [--lifeboat-image]] [--s3] [--azure]
  npm run harness -- down --state-dir DIR [--purge]
  npm run harness -- build          (build or verify every cached component; as root, apt-get the nodes' packages)`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      'state-dir': { type: 'string' },
      clusters: { type: 'string' },
      s3: { type: 'boolean', default: false },
      azure: { type: 'boolean', default: false },
      nodes: { type: 'string', default: '0' },
      'lifeboat-image': { type: 'boolean', default: false },
      purge: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command] = positionals;
  const log = (line: string) => process.stderr.write(`harness: ${line}\n`);
  if (values.help || command === undefined) {
    process.stdout.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  if (command === 'build') {
    await ensureNodePackages(log);
    for (const component of ALL_COMPONENTS) {
      const bins = await ensureComponent(component, log);
      log(`${component.name} ${component.version}: ${Object.values(bins).join(', ')}`);
    }
    return 0;
  }
  const stateDir = values['state-dir'];
  if (stateDir === undefined) {
    process.stderr.write(`harness: --state-dir is required\n${usage}\n`);
    return 2;
  }
  if (command === 'up') {
    const clusters = (values.clusters ?? '')
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    if (clusters.length === 0 && !values.s3 && !values.azure) {
      process.stderr.write(`harness: nothing to start: give --clusters, --s3 and/or --azure\n${usage}\n`);
      return 2;
    }
    const nodes = Number(values.nodes);
    if (!Number.isInteger(nodes) || nodes < 0 || nodes > 8) {
      process.stderr.write(`harness: --nodes must be a whole number from 0 to 8\n${usage}\n`);
      return 2;
    }
    const env = await up({
      stateDir,
      clusters,
      nodes,
      lifeboatImage: values['lifeboat-image'],
      s3: values.s3,
      azure: values.azure,
      log,
    });
    process.stdout.write(`${JSON.stringify(env, null, 2)}\n`);
    log(`written ${stateDir}/env.json; stop with: npm run harness -- down --state-dir ${stateDir}`);
    return 0;
  }
  if (command === 'down') {
    await down(stateDir, { removeData: values.purge });
    log(`stopped everything started in ${stateDir}`);
    return 0;
  }
  process.stderr.write(`harness: unknown command '${command}'\n${usage}\n`);
  return 2;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`harness: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
