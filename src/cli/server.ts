import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { LifeboatError } from '../errors/index.ts';
import type { ServerOptions } from '../server/index.ts';
import { globalOptions, loggerFor } from './globals.ts';
import { untilInterrupted } from './interrupt.ts';
import { durationMs } from './flags.ts';

interface ServerFlags {
  listen: string;
  tokenFile?: string;
  insecureNoAuth?: boolean;
  metricsPublic?: boolean;
  auth: 'token' | 'kubernetes';
  authNamespace?: string;
  authAudience?: string;
  kubeconfig?: string;
  context?: string;
  syncPeriod: string;
  gcPeriod: string;
  maxConcurrentPerLocation: string;
  shutdownGrace: string;
  orphanGrace: string;
  enableRestore?: boolean;
  restoreKubeconfig?: string;
  leaderElect?: boolean;
  leaseNamespace: string;
  leaseName: string;
  leaseDuration: string;
  replicaId?: string;
  maxClustersPerReplica?: string;
  clusterLeaseDuration: string;
  fleetRefresh: string;
  maxConcurrentClusters: string;
  clusterBackupTimeout: string;
}

export function registerServerCommands(program: Command): void {
  const server = program
    .command('server')
    .description(
      'run schedules, garbage collection and backup sync; serve the HTTP API, /metrics, /healthz and /readyz',
    );
  apiOptions(server);
  workOptions(server);
  replicaOptions(server);
  fleetOptions(server);
  server.action(runServer);
}

/** Where the API listens and who may call it. */
function apiOptions(server: Command): void {
  server
    .option('--listen <host:port>', 'address of the HTTP API and metrics', '127.0.0.1:8085')
    .option('--token-file <file>', 'bearer token of the API (default: $LIFEBOAT_API_TOKEN)')
    .option(
      '--insecure-no-auth',
      'serve the API without a token (only on a loopback address; requests must be addressed to it, not come from another web site)',
    )
    .option(
      '--metrics-public',
      'serve /metrics without auth, for a scraper that has no credentials (default: /metrics needs the same auth as the API; with --auth kubernetes, RBAC "get" on the non-resource URL /metrics)',
    )
    .addOption(
      new Option(
        '--auth <mode>',
        'API auth: token (the shared bearer token), or kubernetes (a Kubernetes bearer token checked with a TokenReview; RBAC decides through a SubjectAccessReview: verbs list/get/create on backups, schedules, restores, locations, rpo, clusters of the API group lifeboat.io)',
      )
        .choices(['token', 'kubernetes'])
        .default('token'),
    )
    .option(
      '--auth-namespace <ns>',
      '--auth kubernetes: check access in this namespace, so a RoleBinding there grants it (default: cluster-wide)',
    )
    .option(
      '--auth-audience <list>',
      '--auth kubernetes: audiences the tokens must be issued for (comma-separated)',
    );
}

/** The cluster backed up and the periodic work: sync, GC, concurrency, shutdown. */
function workOptions(server: Command): void {
  server
    .option('--kubeconfig <file>', 'kubeconfig of the cluster to back up (default: in-cluster, $KUBECONFIG)')
    .option('--context <name>', 'kubeconfig context')
    .option('--sync-period <duration>', 'how often every location is listed (backup sync)', '1m')
    .option('--gc-period <duration>', 'how often garbage collection runs', '1h')
    .option('--max-concurrent-per-location <n>', 'backups writing to one location at a time', '1')
    .option('--shutdown-grace <duration>', 'on SIGTERM, how long a running backup may take to finish', '5m')
    .option(
      '--orphan-grace <duration>',
      'age after which an unfinished backup folder is marked Failed',
      '10m',
    );
}

/** Restores through the API and leader election among replicas. */
function replicaOptions(server: Command): void {
  server
    .option('--enable-restore', 'accept POST /api/v1/restores (needs the restore ClusterRole)')
    .option('--restore-kubeconfig <file>', 'kubeconfig of the cluster restores go to (default: --kubeconfig)')
    .option('--leader-elect', 'run schedules only while holding a Lease (for more than one replica)')
    .addOption(
      new Option('--lease-namespace <ns>', 'namespace of the Lease').env('POD_NAMESPACE').default('default'),
    )
    .option('--lease-name <name>', 'name of the Lease', 'lifeboat-server')
    .option(
      '--lease-duration <duration>',
      'leader lease duration (a new leader takes over within it)',
      '15s',
    );
}

/** The fleet: which replica owns which cluster (Leases), and per-cluster limits. */
function fleetOptions(server: Command): void {
  server
    .addOption(
      new Option(
        '--replica-id <id>',
        "this replica's identity in the fleet's Leases (default: $POD_NAME, else <hostname>-<pid>)",
      ).env('LIFEBOAT_REPLICA_ID'),
    )
    .option(
      '--max-clusters-per-replica <n>',
      'with --leader-elect: clusters one replica owns at most (default: its fair share, ceil(clusters / live replicas), plus one)',
    )
    .option(
      '--cluster-lease-duration <duration>',
      "with --leader-elect: a cluster's Lease duration (another replica takes a dead one's clusters within it)",
      '30s',
    )
    .option('--fleet-refresh <duration>', 'how often the fleet is discovered and each cluster probed', '1m')
    .option(
      '--max-concurrent-clusters <n>',
      'backups of fleet clusters running at once (each cluster one at a time)',
      '4',
    )
    .option(
      '--cluster-backup-timeout <duration>',
      "a fleet cluster's backup is aborted after this long",
      '1h',
    );
}

/** Starts the server, then shuts it down gracefully at the first SIGTERM or SIGINT. */
async function runServer(flags: ServerFlags, command: Command): Promise<void> {
  const { startServer } = await import('../server/index.ts');
  const server = await startServer(await serverOptions(flags, command));
  process.stderr.write(`lifeboat server listening on ${server.url}\n`);
  await server.shutdown(await untilInterrupted());
}

async function serverOptions(flags: ServerFlags, command: Command): Promise<ServerOptions> {
  const logger = loggerFor(command);
  const [host, port] = hostPort(flags.listen);
  return {
    configPath: globalOptions(command).config,
    kube: { kubeconfig: flags.kubeconfig, context: flags.context },
    logger,
    host,
    port,
    token: await token(flags.tokenFile),
    insecureNoAuth: flags.insecureNoAuth === true,
    metricsPublic: flags.metricsPublic === true,
    auth: flags.auth,
    authNamespace: flags.authNamespace,
    authAudiences: flags.authAudience
      ?.split(',')
      .map((a) => a.trim())
      .filter((a) => a !== ''),
    syncPeriodMs: durationMs(flags.syncPeriod, '--sync-period'),
    gcPeriodMs: durationMs(flags.gcPeriod, '--gc-period'),
    maxPerLocation: positive(flags.maxConcurrentPerLocation, '--max-concurrent-per-location'),
    shutdownGraceMs: durationMs(flags.shutdownGrace, '--shutdown-grace'),
    orphanAfterMs: durationMs(flags.orphanGrace, '--orphan-grace'),
    restoreEnabled: flags.enableRestore === true,
    restoreKube: flags.restoreKubeconfig === undefined ? undefined : { kubeconfig: flags.restoreKubeconfig },
    leaderElection:
      flags.leaderElect === true
        ? {
            namespace: flags.leaseNamespace,
            name: flags.leaseName,
            leaseDurationMs: durationMs(flags.leaseDuration, '--lease-duration'),
          }
        : undefined,
    fleet: {
      replicaId: flags.replicaId,
      maxClustersPerReplica:
        flags.maxClustersPerReplica === undefined
          ? undefined
          : positive(flags.maxClustersPerReplica, '--max-clusters-per-replica'),
      leaseDurationMs: durationMs(flags.clusterLeaseDuration, '--cluster-lease-duration'),
      refreshMs: durationMs(flags.fleetRefresh, '--fleet-refresh'),
      maxClusterRuns: positive(flags.maxConcurrentClusters, '--max-concurrent-clusters'),
      clusterRunTimeoutMs: durationMs(flags.clusterBackupTimeout, '--cluster-backup-timeout'),
    },
  };
}

function hostPort(listen: string): [string, number] {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(listen);
  const port = Number(m?.[2]);
  if (m === null || m[1] === '' || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new LifeboatError('USAGE', `--listen: '${listen}' is not host:port`, {
      hint: 'e.g. --listen 127.0.0.1:8085',
    });
  return [m[1] ?? '127.0.0.1', port];
}

function positive(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new LifeboatError('USAGE', `${flag} must be a whole number ≥ 1 (got '${text}')`);
  return n;
}

async function token(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return process.env['LIFEBOAT_API_TOKEN']?.trim() || undefined;
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (err) {
    throw new LifeboatError('CONFIG', `cannot read the token file ${file}`, { cause: err });
  }
}
