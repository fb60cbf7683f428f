/**
 * `npm run demo`: the day of a disaster, end to end, on this machine. Starts a source and a
 * cold-standby control plane, seeds a small application estate, backs it up to the embedded default
 * location, loses the source, plans the restore with pre-flight checks against the standby,
 * restores, verifies, and reports the recovery time achieved and the backup's age at the disaster.
 * Everything runs on 127.0.0.1 and is removed at the end.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient } from '../src/kube/client.ts';
import { loadKubeConfig } from '../src/kube/kubeconfig.ts';
import { down, runningProcesses, up } from '../test/harness/harness.ts';
import { stopProcess } from '../test/harness/processes.ts';
import { seedEstate } from '../test/helpers/estate.ts';

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

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'lifeboat-demo-'));
  const stateDir = join(work, 'harness');
  // The embedded default location lives under XDG_DATA_HOME: point it into the demo's folder.
  const env = {
    XDG_DATA_HOME: join(work, 'data'),
    XDG_CONFIG_HOME: join(work, 'config'),
    LIFEBOAT_CONFIG: '',
  };
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    void down(stateDir).finally(() =>
      rm(work, { recursive: true, force: true }).finally(() => process.exit(130)),
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    step(1, 'Start a source cluster and an empty cold-standby cluster (local control planes on 127.0.0.1)');
    const harness = await up({
      stateDir,
      clusters: ['source', 'standby'],
      s3: false,
      azure: false,
      log: (line) => process.stdout.write(`   ${line}\n`),
    });
    const source = harness.clusters['source']!;
    const standby = harness.clusters['standby']!;

    step(2, 'Seed the source with an application estate');
    const client = new KubeClient(loadKubeConfig({ kubeconfig: source.kubeconfig }));
    const estate = await seedEstate(client, 'shop');
    client.close();
    process.stdout.write(
      `   namespaces ${estate.app} and ${estate.data}: a Deployment, a NodePort Service, ConfigMaps, a Secret,\n` +
        `   RBAC, a Pod with a PVC bound to a CSI SMB PersistentVolume, and custom resources of a CRD\n`,
    );

    step(3, 'Back up the source to the embedded default location (a folder on this machine)');
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
    process.stdout.write('   the source control plane is stopped; only the backup remains\n');

    step(5, 'Plan the restore into the standby, with pre-flight checks (writes nothing)');
    await must(
      [
        'restore',
        'create',
        'shop-recovery',
        '--from-backup',
        'shop-nightly',
        '--kubeconfig',
        standby.kubeconfig,
        '--dry-run',
      ],
      env,
    );

    step(6, 'Prepare the standby as the pre-flight asks: install the storage class the volumes need');
    const standbyClient = new KubeClient(loadKubeConfig({ kubeconfig: standby.kubeconfig }));
    await standbyClient.text({
      method: 'POST',
      path: '/apis/storage.k8s.io/v1/storageclasses',
      body: storageClass(estate.storageClass),
    });
    standbyClient.close();
    process.stdout.write(
      `   StorageClass ${estate.storageClass} (CSI SMB driver smb.csi.k8s.io) created on the standby\n`,
    );

    step(7, 'Restore into the standby');
    const restoreStarted = Date.now();
    await must(
      [
        'restore',
        'create',
        'shop-recovery',
        '--from-backup',
        'shop-nightly',
        '--kubeconfig',
        standby.kubeconfig,
      ],
      env,
      [0, 3],
    );

    step(8, 'Verify every restored object against the backup');
    await must(['restore', 'verify', 'shop-recovery', '--kubeconfig', standby.kubeconfig], env);
    const verified = Date.now();
    await must(['restore', 'describe', 'shop-recovery'], env);

    step(9, 'Recovery report');
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const restores = JSON.parse(await lifeboatOutput(['restore', 'get', '-o', 'json'], env)) as {
      name: string;
      phase: string;
      created: number;
      errors: number;
    }[];
    const restore = restores.find((r) => r.name === 'shop-recovery');
    process.stdout.write(
      `   objects restored: ${restore?.created ?? 0} (${restore?.phase ?? 'unknown'}, ${restore?.errors ?? 0} errors)\n`,
    );
    process.stdout.write(
      [
        `   backup age at the disaster (RPO achieved): ${seconds(disaster - backupTaken)}`,
        `   restore started → verified (RTO achieved): ${seconds(verified - restoreStarted)}`,
        `   backup: shop-nightly in ${join(env.XDG_DATA_HOME, 'lifeboat', 'backups')} (the embedded default location)`,
        '',
      ].join('\n'),
    );
  } finally {
    if (!interrupted) {
      process.stdout.write('\nCleaning up: stopping the local clusters and removing the demo folder.\n');
      await down(stateDir);
      await rm(work, { recursive: true, force: true });
    }
  }
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

/** Stops one control plane of the harness (its processes), leaving the others running. */
async function loseCluster(stateDir: string, name: string): Promise<void> {
  for (const proc of (await runningProcesses(stateDir))
    .filter((p) => p.name.startsWith(`${name}/`))
    .reverse()) {
    await stopProcess(proc);
  }
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
