/**
 * The configuration files of one real test node: containerd's config.toml, the CNI network (an
 * isolated bridge that routes nothing off the machine) and the KubeletConfiguration.
 */
import { stringify } from 'yaml';
import { PAUSE_IMAGE } from './node-images.ts';

/** Where a node keeps everything; every path is under the harness state dir. */
export interface NodeLayout {
  /** Node name, `<cluster>-node-<i>`. */
  name: string;
  dir: string;
  rootDir: string;
  podLogsDir: string;
  certDir: string;
  containerdRoot: string;
  containerdState: string;
  containerdSocket: string;
  runcRoot: string;
  cniConfDir: string;
  cniBinDir: string;
  cniDataDir: string;
  volumePluginDir: string;
  /** cgroup parent in every v1 hierarchy, e.g. `/lifeboat-1a2b3c-source-node-0`. */
  cgroupRoot: string;
  /** Linux bridge for the pods' network; 15 characters at most. */
  bridge: string;
  /** CNI network name (also names libcni's cache files). */
  network: string;
  /** The pods' /24, e.g. 10.244.0.0/24. */
  subnet: string;
}

const toml = (value: string) => JSON.stringify(value);

export function containerdConfig(node: NodeLayout): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return [
    'version = 2',
    `root = ${toml(node.containerdRoot)}`,
    `state = ${toml(node.containerdState)}`,
    '[grpc]',
    `  address = ${toml(node.containerdSocket)}`,
    '[ttrpc]',
    `  address = ${toml(`${node.containerdSocket}.ttrpc`)}`,
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${toml(`${node.dir}/containerd/opt`)}`,
    `[${cri}]`,
    `  sandbox_image = ${toml(PAUSE_IMAGE)}`,
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    '  enable_selinux = false',
    // The VM withholds CAP_SYS_RESOURCE: without this every sandbox fails in `runc create`.
    '  restrict_oom_score_adj = true',
    // Network namespaces are bind-mounted under the state dir, not /var/run/netns.
    '  netns_mounts_under_state_dir = true',
    `[${cri}.containerd]`,
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    `[${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `[${cri}.containerd.runtimes.runc.options]`,
    '  SystemdCgroup = false',
    `  Root = ${toml(node.runcRoot)}`,
    `[${cri}.cni]`,
    `  bin_dir = ${toml(node.cniBinDir)}`,
    `  conf_dir = ${toml(node.cniConfDir)}`,
    '',
  ].join('\n');
}

/**
 * A bridge of its own with no gateway, no masquerading and no routes: pods on it reach each other
 * and nothing else. host-local keeps its leases under the node's dir. containerd's CRI adds the
 * loopback interface itself, with the `loopback` plugin from the same bin dir.
 */
export function cniConfig(node: NodeLayout): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: node.network,
      plugins: [
        {
          type: 'bridge',
          bridge: node.bridge,
          isGateway: false,
          ipMasq: false,
          hairpinMode: false,
          ipam: {
            type: 'host-local',
            dataDir: node.cniDataDir,
            ranges: [[{ subnet: node.subnet }]],
            routes: [],
          },
        },
      ],
    },
    null,
    2,
  );
}

export function kubeletConfig(
  node: NodeLayout,
  ports: { port: number; healthzPort: number },
  clusterCaFile: string,
): string {
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: '127.0.0.1',
    port: ports.port,
    healthzBindAddress: '127.0.0.1',
    healthzPort: ports.healthzPort,
    readOnlyPort: 0,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: false },
      x509: { clientCAFile: clusterCaFile },
    },
    authorization: { mode: 'AlwaysAllow' },
    cgroupDriver: 'cgroupfs',
    cgroupRoot: node.cgroupRoot,
    failSwapOn: false,
    failCgroupV1: false,
    containerRuntimeEndpoint: `unix://${node.containerdSocket}`,
    imageServiceEndpoint: `unix://${node.containerdSocket}`,
    podLogsDir: node.podLogsDir,
    volumePluginDir: node.volumePluginDir,
    resolvConf: '/etc/resolv.conf',
    clusterDomain: 'cluster.local',
    evictionHard: {
      'memory.available': '50Mi',
      'nodefs.available': '1%',
      'imagefs.available': '1%',
      'nodefs.inodesFree': '1%',
    },
    imageGCHighThresholdPercent: 99,
    imageGCLowThresholdPercent: 98,
    nodeStatusUpdateFrequency: '5s',
    shutdownGracePeriod: '0s',
    serializeImagePulls: false,
    // No KUBE-FIREWALL / hint chains in the machine's iptables: nothing here reads them.
    makeIPTablesUtilChains: false,
  });
}
