/**
 * The demo's data: lifeboat's node agent deployed as users deploy it (its image in each node's
 * containerd, deploy/kubernetes/volumes/ applied), and a stateful "ledger" pod on the source's real
 * node that writes a generated database file with its sha256 into a local-PV claim, then checks that
 * checksum itself whenever it starts on data it finds (after the restore, on the standby's node).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import type { KubeClient } from '../src/kube/client.ts';
import { buildCli } from './build.ts';
import type { HarnessEnv } from '../test/harness/harness.ts';
import { writeImageArchive } from '../test/harness/images.ts';
import { lifeboatImage } from '../test/harness/node-images.ts';
import type { NodeEnv } from '../test/harness/node.ts';
import { eventually } from '../test/helpers/kube.ts';
import { createS3Bucket } from '../test/helpers/locations.ts';
import {
  AGENT_NAMESPACE,
  deployAgent,
  LIFEBOAT_IMAGE,
  s3LocationConfig,
} from '../test/helpers/node-agent.ts';
import { BUSYBOX, containerLog, onlyNode, podVolumeDir } from '../test/helpers/nodes.ts';
import { claim, createLocalVolume } from '../test/helpers/real-pod-volumes.ts';

export { LIFEBOAT_IMAGE };
const run = promisify(execFile);
/** The local StorageClass of the ledger's claim, on both clusters (no dynamic provisioner here). */
export const LEDGER_CLASS = 'shop-local';
const LEDGER_MOUNT = '/var/lib/ledger';
/** Pods of the estate use images an offline machine cannot pull: only tolerating pods land on the nodes. */
const TAINT = { key: 'lifeboat.io/demo', value: 'offline-images', effect: 'NoSchedule' };

/** Real nodes run kubelet and containerd, which need root. */
export function canRunNodes(): boolean {
  return process.getuid?.() === 0;
}

export interface DataSetup {
  nodes: { source: NodeEnv; standby: NodeEnv };
  /** The CLI's environment: a config file with the S3 location the agents share. */
  env: Record<string, string>;
  bucket: string;
}

/**
 * The S3 bucket, the config file, lifeboat's image in both nodes and the agent DaemonSet on both
 * clusters; the nodes are tainted so that only the ledger and the agents run on them.
 */
/**
 * lifeboat's image from a bundle of this checkout (as the real-node tests build it), written while
 * the clusters start; resolves with the archive's path.
 */
export async function buildLifeboatImage(work: string): Promise<string> {
  const bundle = join(work, 'bundle');
  const archive = join(work, 'lifeboat-image.tar');
  await buildCli(bundle);
  await writeImageArchive(await lifeboatImage(bundle), archive);
  return archive;
}

export async function prepareData(
  harness: HarnessEnv,
  image: Promise<string>,
  work: string,
  clients: { source: KubeClient; standby: KubeClient },
  say: (line: string) => void,
): Promise<DataSetup> {
  const s3 = harness.s3;
  if (s3 === undefined) throw new Error('the demo harness has no S3 server');
  const nodes = {
    source: onlyNode(harness.clusters['source']?.nodes, 'source'),
    standby: onlyNode(harness.clusters['standby']?.nodes, 'standby'),
  };
  const bucket = await createS3Bucket(s3, 'lifeboat-demo');
  const credentials = join(work, 'credentials-velero');
  await writeFile(
    credentials,
    `[default]\naws_access_key_id = ${s3.accessKeyId}\naws_secret_access_key = ${s3.secretAccessKey}\n`,
    { mode: 0o600 },
  );
  const config = join(work, 'config.yaml');
  await writeFile(config, s3LocationConfig(s3, bucket, credentials));
  let started = Date.now();
  const archive = await image;
  await Promise.all(
    [nodes.source, nodes.standby].map((n) =>
      run('/usr/bin/ctr', ['-a', n.containerdSocket, '-n', 'k8s.io', 'images', 'import', archive]),
    ),
  );
  say(
    `lifeboat's image (built from this checkout while the clusters started) imported into both nodes (${since(started)})`,
  );
  for (const c of ['source', 'standby'] as const) {
    started = Date.now();
    await taint(clients[c], nodes[c].name);
    const apiServer = harness.clusters[c]?.server ?? '';
    await deployAgent(clients[c], { node: nodes[c], apiServer, s3, bucket });
    say(`${c}: lifeboat agent DaemonSet running on node ${nodes[c].name} (${since(started)})`);
  }
  return { nodes, bucket, env: { LIFEBOAT_CONFIG: config, LIFEBOAT_NAMESPACE: AGENT_NAMESPACE } };
}

function since(started: number): string {
  return `${((Date.now() - started) / 1000).toFixed(1)} s`;
}

async function taint(client: KubeClient, node: string): Promise<void> {
  await client.json({
    method: 'PATCH',
    path: `/api/v1/nodes/${node}`,
    contentType: 'application/merge-patch+json',
    body: { spec: { taints: [TAINT] } },
  });
}

/**
 * The application: on its first start it generates a ledger (a CSV table of 40,000 random payments)
 * and writes the sha256 beside it, logging WRITTEN <sha>; when it starts on a ledger it finds, it
 * checks the checksum and logs VERIFIED <sha> (or CORRUPT).
 */
function ledgerScript(): string {
  const rows =
    'BEGIN { srand(); print "id,account,amount_cents,kind"; for (i = 1; i <= 40000; i++) ' +
    'printf "%d,acct-%04d,%d,%s\\n", i, int(rand() * 5000), int(rand() * 1000000), (i % 7 == 0 ? "refund" : "payment") }';
  return [
    `cd ${LEDGER_MOUNT}`,
    'if [ -f ledger.db.sha256 ]; then',
    '  if sha256sum -c -s ledger.db.sha256; then echo "VERIFIED $(cut -d" " -f1 ledger.db.sha256)"; else echo CORRUPT; fi',
    'else',
    `  awk '${rows}' > ledger.db && sha256sum ledger.db > ledger.db.sha256 && sync`,
    '  echo "WRITTEN $(cut -d" " -f1 ledger.db.sha256)"',
    'fi',
    'trap "exit 0" TERM; while true; do sleep 1; done',
  ].join('\n');
}

function ledgerPod(): object {
  return {
    metadata: {
      name: 'ledger',
      labels: { app: 'ledger', tier: 'db' },
      // Velero's opt-in: this pod's volume goes through file-system backup.
      annotations: { 'backup.velero.io/backup-volumes': 'ledger' },
    },
    spec: {
      terminationGracePeriodSeconds: 1,
      automountServiceAccountToken: false,
      tolerations: [{ ...TAINT, operator: 'Equal' }],
      containers: [
        {
          name: 'app',
          image: BUSYBOX,
          imagePullPolicy: 'Never',
          command: ['/bin/sh', '-c', ledgerScript()],
          volumeMounts: [{ name: 'ledger', mountPath: LEDGER_MOUNT }],
        },
      ],
      volumes: [{ name: 'ledger', persistentVolumeClaim: { claimName: 'ledger' } }],
    },
  };
}

export interface Ledger {
  /** What the application logged: WRITTEN, VERIFIED or CORRUPT, and the checksum. */
  logged: string;
  /** sha256 of ledger.db as read from the node's disk by this script. */
  sha256: string;
  bytes: number;
}

/** A local PV for the ledger on the node (as an operator prepares one on a cluster without a provisioner). */
export async function ledgerVolume(client: KubeClient, node: NodeEnv, cluster: string): Promise<string> {
  const pv = `shop-ledger-${cluster}`;
  await createLocalVolume(client, node, LEDGER_CLASS, pv);
  return pv;
}

/** Creates the ledger's claim and pod in the namespace and waits until the application has written it. */
export async function seedLedger(client: KubeClient, node: NodeEnv, namespace: string): Promise<Ledger> {
  const pv = await ledgerVolume(client, node, 'source');
  const ns = `/api/v1/namespaces/${namespace}`;
  await client.json({
    method: 'POST',
    path: `${ns}/persistentvolumeclaims`,
    body: claim('ledger', LEDGER_CLASS),
  });
  await client.json({ method: 'POST', path: `${ns}/pods`, body: ledgerPod() });
  return ledgerLogged(client, node, namespace, pv, /WRITTEN|VERIFIED|CORRUPT/);
}

/** Waits until the ledger pod (on `node`) logs a line matching `line`; reads the file's checksum from the node. */
export async function ledgerLogged(
  client: KubeClient,
  node: NodeEnv,
  namespace: string,
  pv: string,
  line: RegExp,
): Promise<Ledger> {
  const { pod, logged } = await eventually(
    `the ledger pod in ${namespace} logs ${line.source}`,
    async () => {
      const got = await client.json<V1Pod>({ path: `/api/v1/namespaces/${namespace}/pods/ledger` });
      if (got.status?.phase !== 'Running') return undefined;
      const log = await containerLog(node, got, 'app').catch(() => '');
      return line.test(log) ? { pod: got, logged: log.trim() } : undefined;
    },
    { timeoutMs: 300_000, intervalMs: 500 },
  );
  const file = join(podVolumeDir(node, pod, 'local-volume', pv), 'ledger.db');
  return { logged, sha256: await sha256File(file), bytes: (await stat(file)).size };
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
