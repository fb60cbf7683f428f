import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The real components the tests run, each built from the Go module proxy through a wrapper module
 * committed under test/harness/go/<dir>/ (go.mod + go.sum pin every dependency).
 */
export interface GoComponent {
  /** Cache folder name: ~/.cache/lifeboat/bin/<name>-<version>/ */
  name: string;
  version: string;
  /** Wrapper module folder under test/harness/go/. */
  moduleDir: string;
  /** Package paths to build, each into a binary named after its last path element. */
  packages: { path: string; binary: string }[];
  ldflags: string[];
  tags: string[];
  /** Arguments that print the version, to check a cached binary runs. */
  versionArgs: string[];
}

const K8S_VERSION = 'v1.34.4';

function kubeVersionLdflags(version: string): string[] {
  const [, major = '1', minor = '0'] = /^v(\d+)\.(\d+)/.exec(version) ?? [];
  const flags = ['-s', '-w'];
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    flags.push(
      `-X ${pkg}.gitVersion=${version}`,
      `-X ${pkg}.gitMajor=${major}`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
      `-X ${pkg}.buildDate=1970-01-01T00:00:00Z`,
    );
  }
  return flags;
}

/**
 * The control plane and the real nodes' kubelet and kube-scheduler, all from one wrapper module. The
 * cache version carries a digest of the module's files: a changed go.mod or tool list builds afresh.
 */
export const kubernetes: GoComponent = {
  name: 'kubernetes',
  version: `${K8S_VERSION}-${sourceDigest('k8s')}`,
  moduleDir: 'k8s',
  packages: [
    { path: 'k8s.io/kubernetes/cmd/kube-apiserver', binary: 'kube-apiserver' },
    { path: 'k8s.io/kubernetes/cmd/kube-controller-manager', binary: 'kube-controller-manager' },
    { path: 'k8s.io/kubernetes/cmd/kube-scheduler', binary: 'kube-scheduler' },
    { path: 'k8s.io/kubernetes/cmd/kubelet', binary: 'kubelet' },
  ],
  ldflags: kubeVersionLdflags(K8S_VERSION),
  tags: ['selinux', 'notest', 'grpcnotrace'],
  versionArgs: ['--version'],
};

export const etcd: GoComponent = {
  name: 'etcd',
  version: 'v3.6.14',
  moduleDir: 'etcd',
  packages: [{ path: 'go.etcd.io/etcd/server/v3', binary: 'etcd' }],
  ldflags: ['-s', '-w'],
  tags: [],
  versionArgs: ['--version'],
};

export const versitygw: GoComponent = {
  name: 'versitygw',
  version: 'v1.7.0',
  moduleDir: 'versitygw',
  packages: [{ path: 'github.com/versity/versitygw/cmd/versitygw', binary: 'versitygw' }],
  ldflags: ['-s', '-w', '-X main.Version=v1.7.0'],
  tags: [],
  versionArgs: ['--version'],
};

/** The kopia CLI at the version Velero 1.18 ships: the oracle for volume data in kopia's format. */
export const kopia: GoComponent = {
  name: 'kopia',
  version: 'v0.22.3',
  moduleDir: 'kopia',
  packages: [{ path: 'github.com/kopia/kopia', binary: 'kopia' }],
  ldflags: ['-s', '-w', '-X github.com/kopia/kopia/repo.BuildVersion=v0.22.3'],
  tags: [],
  versionArgs: ['--version'],
};

/**
 * kopia-oracle (test/harness/go/kopia/oracle): our program over kopia's Go packages. Its version is
 * a digest of the wrapper module's files, so a change to the oracle's source builds it afresh.
 */
export const kopiaOracle: GoComponent = {
  name: 'kopia-oracle',
  version: `v0.22.3-${sourceDigest('kopia')}`,
  moduleDir: 'kopia',
  packages: [{ path: 'lifeboat.test/harness/kopia/oracle', binary: 'kopia-oracle' }],
  ldflags: ['-s', '-w'],
  tags: [],
  versionArgs: ['version'],
};

/**
 * node-supervisor (test/harness/go/supervisor): our program that owns a real test node's containerd
 * and kubelet and reaps every process below them. Versioned by a digest of its source.
 */
export const nodeSupervisor: GoComponent = {
  name: 'node-supervisor',
  version: sourceDigest('supervisor'),
  moduleDir: 'supervisor',
  packages: [{ path: 'lifeboat.test/harness/supervisor', binary: 'node-supervisor' }],
  ldflags: ['-s', '-w'],
  tags: [],
  versionArgs: [],
};

export const ALL_COMPONENTS: readonly GoComponent[] = [
  etcd,
  kubernetes,
  versitygw,
  kopia,
  kopiaOracle,
  nodeSupervisor,
];

function sourceDigest(moduleDir: string): string {
  const root = join(dirname(fileURLToPath(import.meta.url)), 'go', moduleDir);
  const hash = createHash('sha256');
  const files = readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
  for (const file of files)
    hash
      .update(`${file}\0`)
      .update(readFileSync(join(root, file)))
      .update('\0');
  return hash.digest('hex').slice(0, 12);
}
