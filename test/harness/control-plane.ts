import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ensureComponent } from './build.ts';
import { etcd, kubernetes } from './components.ts';
import { createPki, type ClusterPki } from './pki.ts';
import { freePort, startProcess, stopProcess, waitFor, type ManagedProcess } from './processes.ts';

export interface ControlPlane {
  name: string;
  dir: string;
  server: string;
  kubeconfig: string;
  /** The cluster CA's certificate: clients (and kubelets) verify with it. */
  caCert: string;
  processes: ManagedProcess[];
}

/**
 * One independent control plane: etcd, kube-apiserver and kube-controller-manager on 127.0.0.1
 * with ports chosen at run time. Ready when the controller manager has made the `default`
 * ServiceAccount. No kubelet and no scheduler: pods stay Pending, as on a cluster with no nodes.
 */
export async function startControlPlane(
  name: string,
  dir: string,
  log: (line: string) => void = () => {},
): Promise<ControlPlane> {
  const [etcdBins, kubeBins] = await Promise.all([
    ensureComponent(etcd, log),
    ensureComponent(kubernetes, log),
  ]);
  await mkdir(dir, { recursive: true });
  const pki = await createPki(join(dir, 'pki'));
  const [clientPort, peerPort, apiPort, kcmPort] = await distinctFreePorts(4);
  const processes: ManagedProcess[] = [];
  const plane: ControlPlane = {
    name,
    dir,
    server: `https://127.0.0.1:${apiPort}`,
    kubeconfig: join(dir, 'kubeconfig'),
    caCert: pki.caCert,
    processes,
  };
  try {
    const etcdUrl = `http://127.0.0.1:${clientPort}`;
    const etcdProc = startProcess(
      `${name}/etcd`,
      etcdBins['etcd']!,
      [
        `--name=${name}`,
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-cluster=${name}=http://127.0.0.1:${peerPort}`,
        '--listen-metrics-urls=',
        '--unsafe-no-fsync=true',
        '--auto-compaction-retention=1',
        '--quota-backend-bytes=8589934592',
        '--log-level=warn',
      ],
      { log: join(dir, 'etcd.log') },
    );
    processes.push(etcdProc);
    await waitFor(`${name}: etcd`, () => httpOk(`${etcdUrl}/health`), { timeoutMs: 30_000, proc: etcdProc });

    await writeKubeconfig(plane, pki);
    const apiserver = startProcess(
      `${name}/kube-apiserver`,
      kubeBins['kube-apiserver']!,
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${join(dir, 'apiserver-certs')}`,
        `--tls-cert-file=${pki.serverCert}`,
        `--tls-private-key-file=${pki.serverKey}`,
        `--client-ca-file=${pki.caCert}`,
        '--authorization-mode=RBAC',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${pki.saPub}`,
        `--service-account-signing-key-file=${pki.saKey}`,
        '--allow-privileged=true',
        // pods/exec, logs and port-forward: the harness's kubelets trust this CA's client certificates
        // and are reached on their 127.0.0.1 address (the node's only InternalIP, see node.ts).
        `--kubelet-client-certificate=${pki.adminCert}`,
        `--kubelet-client-key=${pki.adminKey}`,
        '--kubelet-preferred-address-types=InternalIP',
        '--endpoint-reconciler-type=none',
        '--profiling=false',
        '--v=0',
      ],
      { log: join(dir, 'kube-apiserver.log') },
    );
    processes.push(apiserver);
    await waitFor(`${name}: kube-apiserver`, () => apiOk(plane, pki, '/readyz'), {
      timeoutMs: 120_000,
      proc: apiserver,
      intervalMs: 300,
    });

    const kcm = startProcess(
      `${name}/kube-controller-manager`,
      kubeBins['kube-controller-manager']!,
      [
        `--kubeconfig=${plane.kubeconfig}`,
        `--authentication-kubeconfig=${plane.kubeconfig}`,
        `--authorization-kubeconfig=${plane.kubeconfig}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${kcmPort}`,
        '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
        '--leader-elect=false',
        '--controllers=*',
        '--use-service-account-credentials=false',
        `--service-account-private-key-file=${pki.saKey}`,
        `--root-ca-file=${pki.caCert}`,
        `--cluster-signing-cert-file=${pki.caCert}`,
        `--cluster-signing-key-file=${pki.caKey}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--concurrent-deployment-syncs=10',
        '--concurrent-replicaset-syncs=10',
        '--kube-api-qps=200',
        '--kube-api-burst=400',
        '--v=0',
      ],
      { log: join(dir, 'kube-controller-manager.log') },
    );
    processes.push(kcm);
    await waitFor(
      `${name}: kube-controller-manager (default ServiceAccount)`,
      () => apiOk(plane, pki, '/api/v1/namespaces/default/serviceaccounts/default'),
      { timeoutMs: 120_000, proc: kcm, intervalMs: 300 },
    );
    return plane;
  } catch (err) {
    await stopControlPlane(plane);
    throw err;
  }
}

/** Stops the components in reverse order of start. */
export async function stopControlPlane(plane: Pick<ControlPlane, 'processes'>): Promise<void> {
  for (const proc of [...plane.processes].reverse()) await stopProcess(proc);
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

async function writeKubeconfig(plane: ControlPlane, pki: ClusterPki): Promise<void> {
  const [ca, cert, key] = await Promise.all([
    readFile(pki.caCert),
    readFile(pki.adminCert),
    readFile(pki.adminKey),
  ]);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: plane.name,
        cluster: { server: plane.server, 'certificate-authority-data': ca.toString('base64') },
      },
    ],
    users: [
      {
        name: `${plane.name}-admin`,
        user: {
          'client-certificate-data': cert.toString('base64'),
          'client-key-data': key.toString('base64'),
        },
      },
    ],
    contexts: [{ name: plane.name, context: { cluster: plane.name, user: `${plane.name}-admin` } }],
    'current-context': plane.name,
  };
  await writeFile(plane.kubeconfig, stringify(config), { mode: 0o600 });
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return res.ok;
}

async function apiOk(plane: ControlPlane, pki: ClusterPki, path: string): Promise<boolean> {
  const [ca, cert, key] = await Promise.all([
    readFile(pki.caCert),
    readFile(pki.adminCert),
    readFile(pki.adminKey),
  ]);
  return new Promise((resolve, reject) => {
    const req = request(`${plane.server}${path}`, { ca, cert, key, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
