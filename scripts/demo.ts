/**
 * `npm run demo`: the day of a disaster, end to end, on this machine. Starts a source and a
 * cold-standby control plane, seeds a small application estate, backs it up, loses the source, plans
 * the restore with pre-flight checks against the standby, restores, verifies, and reports the
 * recovery time achieved and the backup's age at the disaster. As root, each cluster also gets a
 * real node (kubelet + containerd) running lifeboat's agent DaemonSet, the estate gains a stateful
 * pod whose database file goes through pod volume backup to an S3 bucket and comes back on the
 * standby's node, and the report shows its checksum before and after. Without root it runs without
 * the data, on the embedded default location. Everything runs on 127.0.0.1 and is removed at the end.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient } from '../src/kube/client.ts';
import { loadKubeConfig } from '../src/kube/kubeconfig.ts';
import { down, harnessNodes, runningProcesses, up, type HarnessEnv } from '../test/harness/harness.ts';
import { teardownNode } from '../test/harness/harness-nodes.ts';
import { stopProcess } from '../test/harness/processes.ts';
import { type Estate, seedEstate } from '../test/helpers/estate.ts';
import {
  buildLifeboatImage,
  canRunNodes,
  type DataSetup,
  LEDGER_CLASS,
  type Ledger,
  ledgerLogged,
  ledgerVolume,
  LIFEBOAT_IMAGE,
  prepareData,
  seedLedger,
} from './demo-data.ts';

const MAIN = join(import.meta.dirname, '..', 'src', 'main.ts');
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const step = (n: number, text: string) => process.stdout.write(`\n${bold(`${n}. ${text}`)}\n`);

/** Runs the CLI quietly and returns its stdout (for the report). */
function lifeboatOutput(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, '--log-level', 'error', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`lifeboat ${args.join(' ')} exited ${code}`)),
    );
  });
}

function lifeboat(args: string[], env: Record<string, string>): Promise<number> {
  process.stdout.write(`   $ lifeboat ${args.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      stdio: 'inherit',
      env: { ...process.env, ...env },
    });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function must(args: string[], env: Record<string, string>, okCodes = [0]): Promise<void> {
  const code = await lifeboat(args, env);
  if (!okCodes.includes(code))
    throw new Error(`lifeboat ${args[0]} ${args[1] ?? ''} exited with code ${code}`);
}

interface DemoContext {
  stateDir: string;
  work: string;
  harness: HarnessEnv;
  /** The CLI's environment (the location's config). */
  env: Record<string, string>;
  /** Pod volume data: set when this user can run real nodes (root). */
  data: DataSetup | undefined;
  estate: Estate;
  ledger: Ledger | undefined;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const say = (line: string) => process.stdout.write(`   ${line}\n`);

/** Steps 1–2: the clusters (with real nodes and the agents when root), the estate and its ledger. */
/** The harness's start, interrupted by SIGINT / SIGTERM: a signal waits for it to stop what it started. */
const interrupt = new AbortController();
let harnessStart: Promise<unknown> = Promise.resolve();

async function coldStart(stateDir: string, work: string, withData: boolean): Promise<DemoContext> {
  const started = Date.now();
  step(
    1,
    withData
      ? 'Start a source cluster and an empty cold-standby cluster, each with one real node (kubelet + containerd), and an S3 server (all on 127.0.0.1)'
      : 'Start a source cluster and an empty cold-standby cluster (local control planes on 127.0.0.1)',
  );
  if (!withData)
    say(
      'not root: real nodes (kubelet, containerd) need root, so this run has no pod volume data; run `sudo -E npm run demo` for the data',
    );
  // The agent's image is built while the clusters start (a rejection is handled where it is awaited).
  const image = withData ? buildLifeboatImage(work) : undefined;
  image?.catch(() => undefined);
  const starting = up({
    stateDir,
    clusters: ['source', 'standby'],
    s3: withData,
    azure: false,
    nodes: withData ? 1 : 0,
    log: say,
    signal: interrupt.signal,
  });
  harnessStart = starting;
  const harness = await starting;
  const harnessMs = Date.now() - started;
  const clients = {
    source: new KubeClient(loadKubeConfig({ kubeconfig: harness.clusters['source']!.kubeconfig })),
    standby: new KubeClient(loadKubeConfig({ kubeconfig: harness.clusters['standby']!.kubeconfig })),
  };
  try {
    const data = image === undefined ? undefined : await prepareData(harness, image, work, clients, say);
    say(
      `cold start: ${seconds(Date.now() - started)} (clusters${withData ? ', nodes and S3' : ''} ${seconds(harnessMs)}${withData ? `, image and agents ${seconds(Date.now() - started - harnessMs)}` : ''})`,
    );
    step(2, 'Seed the source with an application estate');
    const estate = await seedEstate(clients.source, 'shop');
    say(
      `namespaces ${estate.app} and ${estate.data}: a Deployment, a NodePort Service, ConfigMaps, a Secret,\n` +
        `   RBAC, a Pod with a PVC bound to a CSI SMB PersistentVolume, and custom resources of a CRD`,
    );
    const ledger =
      data === undefined ? undefined : await seedLedger(clients.source, data.nodes.source, estate.data);
    if (ledger !== undefined) {
      say(
        `and in ${estate.data} the stateful pod "ledger" on the source's node, its database in a local-PV claim:`,
      );
      say(
        `ledger.db ${(ledger.bytes / 1024 / 1024).toFixed(2)} MiB, sha256 ${ledger.sha256} (the application logged "${ledger.logged}")`,
      );
    }
    const base = {
      XDG_DATA_HOME: join(work, 'data'),
      XDG_CONFIG_HOME: join(work, 'config'),
      LIFEBOAT_CONFIG: '',
    };
    return { stateDir, work, harness, env: { ...base, ...data?.env }, data, estate, ledger };
  } finally {
    clients.source.close();
    clients.standby.close();
  }
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'lifeboat-demo-'));
  const stateDir = join(work, 'harness');
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    interrupt.abort();
    void harnessStart
      .catch(() => undefined)
      .then(() => down(stateDir))
      .finally(() => rm(work, { recursive: true, force: true }).finally(() => process.exit(130)));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const ctx = await coldStart(stateDir, work, canRunNodes());
    const { env, data } = ctx;
    const source = ctx.harness.clusters['source']!;
    const standby = ctx.harness.clusters['standby']!;

    step(
      3,
      data === undefined
        ? 'Back up the source to the embedded default location (a folder on this machine)'
        : "Back up the source to an S3 bucket; the source node's agent uploads the ledger's volume",
    );
    await must(
      [
        'backup',
        'create',
        'shop-nightly',
        '--kubeconfig',
        source.kubeconfig,
        '--include-namespaces',
        'shop-*',
      ],
      env,
    );
    const backupTaken = Date.now();
    await must(['backup', 'get'], env);

    step(4, 'Disaster: the source cluster is lost');
    await loseCluster(stateDir, 'source');
    const disaster = Date.now();
    say(
      data === undefined
        ? 'the source control plane is stopped; only the backup remains'
        : 'the source control plane and its node are stopped; only the backup remains',
    );

    step(5, 'Plan the restore into the standby, with pre-flight checks (writes nothing)');
    const restore = ['restore', 'create', 'shop-recovery', '--from-backup', 'shop-nightly'];
    await must([...restore, '--kubeconfig', standby.kubeconfig, '--dry-run'], env);

    step(6, 'Prepare the standby as the pre-flight asks: install the storage classes the volumes need');
    await prepareStandby(ctx);

    step(7, 'Restore into the standby');
    const restoreStarted = Date.now();
    const podVolumeFlags =
      data === undefined ? [] : ['--restore-helper-image', LIFEBOAT_IMAGE, '--pod-volume-timeout', '5m'];
    await must([...restore, '--kubeconfig', standby.kubeconfig, ...podVolumeFlags], env, [0, 3]);

    step(8, 'Verify every restored object against the backup, and the data');
    await must(['restore', 'verify', 'shop-recovery', '--kubeconfig', standby.kubeconfig], env);
    const restored = await verifyLedger(ctx);
    const verified = Date.now();
    await must(['restore', 'describe', 'shop-recovery'], env);

    step(9, 'Recovery report');
    await report(ctx, { backupTaken, disaster, restoreStarted, verified, restored });
  } finally {
    if (!interrupted) {
      process.stdout.write('\nCleaning up: stopping the local clusters and removing the demo folder.\n');
      await down(stateDir);
      await rm(work, { recursive: true, force: true });
    }
  }
}

/** The standby's storage: the CSI SMB class, and (with data) a local PV on its node for the ledger's claim. */
async function prepareStandby(ctx: DemoContext): Promise<void> {
  const client = new KubeClient(loadKubeConfig({ kubeconfig: ctx.harness.clusters['standby']!.kubeconfig }));
  try {
    await client.text({
      method: 'POST',
      path: '/apis/storage.k8s.io/v1/storageclasses',
      body: storageClass(ctx.estate.storageClass),
    });
    say(`StorageClass ${ctx.estate.storageClass} (CSI SMB driver smb.csi.k8s.io) created on the standby`);
    if (ctx.data !== undefined) {
      const pv = await ledgerVolume(client, ctx.data.nodes.standby, 'standby');
      say(
        `StorageClass ${LEDGER_CLASS} and local PersistentVolume ${pv} on the standby's node, for the ledger`,
      );
    }
  } finally {
    client.close();
  }
}

/** With data: waits for the restored ledger pod to check its own data, and reads the file on the standby's node. */
async function verifyLedger(ctx: DemoContext): Promise<Ledger | undefined> {
  if (ctx.data === undefined || ctx.ledger === undefined) return undefined;
  const client = new KubeClient(loadKubeConfig({ kubeconfig: ctx.harness.clusters['standby']!.kubeconfig }));
  try {
    const after = await ledgerLogged(
      client,
      ctx.data.nodes.standby,
      ctx.estate.data,
      'shop-ledger-standby',
      /WRITTEN|VERIFIED|CORRUPT/,
    );
    say(`ledger.db on the standby's node: sha256 ${after.sha256} (the application logged "${after.logged}")`);
    if (after.sha256 !== ctx.ledger.sha256 || !after.logged.startsWith('VERIFIED'))
      throw new Error(
        `the ledger did not come back intact: sha256 ${after.sha256} (source ${ctx.ledger.sha256}), application: ${after.logged}`,
      );
    return after;
  } finally {
    client.close();
  }
}

async function report(
  ctx: DemoContext,
  t: {
    backupTaken: number;
    disaster: number;
    restoreStarted: number;
    verified: number;
    restored: Ledger | undefined;
  },
): Promise<void> {
  const restores = JSON.parse(await lifeboatOutput(['restore', 'get', '-o', 'json'], ctx.env)) as {
    name: string;
    phase: string;
    created: number;
    errors: number;
  }[];
  const restore = restores.find((r) => r.name === 'shop-recovery');
  say(
    `objects restored: ${restore?.created ?? 0} (${restore?.phase ?? 'unknown'}, ${restore?.errors ?? 0} errors)`,
  );
  const lines = [`backup age at the disaster (RPO achieved): ${seconds(t.disaster - t.backupTaken)}`];
  if (t.restored !== undefined && ctx.ledger !== undefined) {
    lines.push(
      `ledger.db sha256 before: ${ctx.ledger.sha256}`,
      `ledger.db sha256 after:  ${t.restored.sha256} (identical; the application started on it and logged VERIFIED)`,
      `restore started → objects verified and data back (RTO achieved, data included): ${seconds(t.verified - t.restoreStarted)}`,
      `backup: shop-nightly in S3 bucket ${ctx.data?.bucket ?? ''} (objects in backups/, volume data in kopia/${ctx.estate.data}/)`,
    );
  } else {
    lines.push(
      `restore started → verified (RTO achieved): ${seconds(t.verified - t.restoreStarted)}`,
      `backup: shop-nightly in ${join(ctx.env['XDG_DATA_HOME'] ?? '', 'lifeboat', 'backups')} (the embedded default location)`,
    );
  }
  for (const line of lines) say(line);
}

/** The class the estate's volumes use, as installing the CSI SMB driver on the standby would provide it. */
function storageClass(name: string): unknown {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name },
    provisioner: 'smb.csi.k8s.io',
    parameters: { source: '//fileserver/share' },
    reclaimPolicy: 'Retain',
    volumeBindingMode: 'Immediate',
  };
}

/** Stops one control plane of the harness (its processes) and its nodes, leaving the others running. */
async function loseCluster(stateDir: string, name: string): Promise<void> {
  for (const proc of (await runningProcesses(stateDir))
    .filter((p) => p.name.startsWith(`${name}/`))
    .reverse()) {
    await stopProcess(proc);
  }
  // The node goes with its cluster (its kubelet, containerd and pods); `down` finds nothing left of it.
  for (const node of (await harnessNodes(stateDir)).filter((n) => n.cluster === name))
    await teardownNode(node, undefined);
}

main().then(
  () => {
    process.exitCode = 0;
  },
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
