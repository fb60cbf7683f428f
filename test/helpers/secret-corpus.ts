import { createHash } from 'node:crypto';

/**
 * Real-shaped secrets (made up, deterministic) and the ways they turn up in platform exports and
 * cluster objects: named fields in every case and separator style, URLs with user-info, connection
 * strings, SAS tokens, kubeconfigs inline as YAML or base64, PEM keys, JWTs, cloud keys by shape.
 * `plant()` builds a Get-AksHciConfig-shaped document holding all of them at different depths.
 */

/** Deterministic bytes from a label (no randomness: a failing run names the same secret again). */
function bytes(label: string, n: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; Buffer.concat(out).length < n; i++)
    out.push(createHash('sha256').update(`${label}/${i}`).digest());
  return Buffer.concat(out).subarray(0, n);
}
const b64 = (label: string, n: number) => bytes(label, n).toString('base64');
const b64url = (label: string, n: number) => bytes(label, n).toString('base64url');
const alnum = (label: string, n: number) =>
  b64(label, n * 2)
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, n);
const upper = (label: string, n: number) =>
  bytes(label, n)
    .toString('hex')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, n);

const jwt = (label: string) =>
  `${Buffer.from('{"alg":"RS256","kid":"k1"}').toString('base64url')}.${Buffer.from(
    `{"iss":"kubernetes/serviceaccount","sub":"system:serviceaccount:kube-system:${label}"}`,
  ).toString('base64url')}.${b64url(`${label}-sig`, 256)}`;

const pem = (type: string, label: string) =>
  `-----BEGIN ${type}PRIVATE KEY-----\n${b64(label, 300).replace(/(.{64})/g, '$1\n')}\n-----END ${type}PRIVATE KEY-----\n`;

/** The secrets, each a value that must never be in a stored profile (nor a long piece of it). */
export const SECRETS = {
  storageKey: b64('storage-account-key', 64), // 88 characters, ends in ==
  storageKey2: b64('storage-account-key-2', 64),
  sasSig: encodeURIComponent(b64('sas-signature', 32)),
  awsKeyId: `AKIA${upper('aws-key-id', 16)}`,
  awsSecret: b64('aws-secret', 30),
  saToken: jwt('backup-sa'),
  kubeToken: jwt('kubeconfig-user'),
  bootstrapToken: `${alnum('bt-id', 6).toLowerCase()}.${alnum('bt-secret', 16).toLowerCase()}`,
  clientKeyData: Buffer.from(pem('RSA ', 'client-key')).toString('base64'),
  bearer: alnum('bearer-token', 40),
  proxyPassword: 'Pr0xy%40Pa55%3Aw0rd',
  proxyPassword2: 'httpsProxyS3cret',
  proxyUser: 'svc-proxy-user',
  socksPassword: 'S0cks%2FPa55',
  urlToken: `ghp_${alnum('github-token', 36)}`,
  atPassword: 'raw@pa55word',
  pemRsa: pem('RSA ', 'rsa-key'),
  pemOpenSsh: pem('OPENSSH ', 'ssh-key'),
  pemPkcs8: pem('', 'pkcs8-key'),
  password: alnum('password', 24),
  adminPassword: alnum('admin-password', 20),
  clientSecret: `${alnum('client-secret', 8)}~${alnum('client-secret-2', 30)}`,
  apiKey: alnum('api-key', 32),
  sqlPassword: alnum('sql-password', 18),
  envSecret: alnum('env-secret', 28),
  yamlPassword: alnum('yaml-password', 22),
  blockToken: alnum('block-token', 48),
  jsonSecret: alnum('json-secret', 26),
  escapedSecret: alnum('escaped-secret', 26),
  nestedCred: alnum('nested-cred', 26),
  passphrase: alnum('passphrase', 30),
  dbPwd: alnum('db-pwd', 16),
  identityToken: alnum('identity-token', 40),
  numberSecret: '987654321012',
} as const;

const s = SECRETS;

const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: ${b64('ca', 600)}
    server: https://10.0.0.41:6443
  name: akswc1
users:
- name: akswc1-admin
  user:
    client-certificate-data: ${b64('client-cert', 600)}
    client-key-data: ${s.clientKeyData}
- name: sa
  user:
    token: ${s.kubeToken}
- name: bootstrap
  user:
    token: "${s.bootstrapToken}"
contexts:
- context: {cluster: akswc1, user: akswc1-admin}
  name: akswc1
current-context: akswc1
`;

/** A Get-AksHciConfig-shaped document with every secret planted somewhere, some deep, some in arrays. */
export function plant(): Record<string, unknown> {
  return {
    Moc: {
      cloudServiceCidr: '10.0.0.100/16',
      gateway: '10.0.0.1',
      ipaddressprefix: '10.0.0.0/16',
      dnsservers: ['10.0.0.2', '10.0.0.3'],
      proxyServerHTTP: `http://${s.proxyUser}:${s.proxyPassword}@proxy.contoso.local:3128`,
      proxyServerHTTPS: `https://:${s.proxyPassword2}@proxy.contoso.local:3129`,
      proxyServerUsername: s.proxyUser,
      sshPrivateKey: s.pemRsa,
      commands: 'System.Collections.Hashtable',
      mocLoginYAML: Buffer.from(`name: moc\ntoken: ${s.identityToken}\n`).toString('base64'),
    },
    AksHci: {
      version: '1.0.24.11029',
      workingDir: 'C:\\ClusterStorage\\Volume01\\AksHci',
      proxyServerHTTP: `socks5://svc:${s.socksPassword}@10.0.0.5:1080`,
      proxyServerNoProxy: 'localhost,127.0.0.1,.svc,10.0.0.0/8',
      PROXYSERVERPASSWORD: s.password,
      'admin-password': s.adminPassword,
      Storage: {
        storageAccountKey: s.storageKey,
        backupTarget: `DefaultEndpointsProtocol=https;AccountName=akshcibk;AccountKey=${s.storageKey2};EndpointSuffix=core.windows.net`,
        sasUrl: `https://akshcibk.blob.core.windows.net/velero?sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=2027-01-01T00:00:00Z&spr=https&sig=${s.sasSig}`,
        database: `Server=tcp:db.contoso.local,1433;Database=aks;User ID=aks;Password=${s.sqlPassword};Encrypt=true`,
      },
      registries: [
        { server: 'registry.contoso.local', auth: { CLIENT_SECRET: s.clientSecret } },
        { server: 'https://ghcr.io', url: `https://${s.urlToken}@github.com/contoso/charts.git` },
        `http://deploy:${s.atPassword}@mirror.contoso.local:5000/v2`,
      ],
    },
    Kva: {
      vnetvippoolstart: '10.0.0.41',
      vnetvippoolend: '10.0.0.250',
      k8snodeippoolend: '10.0.0.40',
      controlplaneVmSize: 'Standard_A4_v2',
      kvaName: 'akshci-mgmt',
      identity: Buffer.from(`name: akshci-mgmt\ntoken: ${s.identityToken}\n`).toString('base64'),
      kubeconfig: 'C:\\ClusterStorage\\Volume01\\AksHci\\kubeconfig-mgmt',
      inlineKubeconfig: kubeconfig,
      encodedKubeconfig: Buffer.from(kubeconfig).toString('base64url'),
      clusterConfigMap: {
        data: {
          'config.json': JSON.stringify({ clientSecret: s.jsonSecret, region: 'westeurope' }),
          'escaped.txt': JSON.stringify(JSON.stringify({ password: s.escapedSecret })),
          'app.yaml': `stringData:\n  password: ${s.yamlPassword}\n  token: |\n    ${s.blockToken}\n    ${s.blockToken}\nregion: westeurope\n`,
          'aws.ini': `[default]\naws_access_key_id = ${s.awsKeyId}\naws_secret_access_key = ${s.awsSecret}\n`,
          notes: `ssh keys: ${s.pemOpenSsh}`,
        },
      },
      nodes: [[[{ env: [{ name: 'AZURE_CLIENT_SECRET', value: s.envSecret }] }]]],
      deeper: { a: { b: { c: { d: { credentials: { user: 'x', pass: s.nestedCred } } } } } },
      settings: {
        apiKey: s.apiKey,
        'ssh-passphrase': s.passphrase,
        DB_PWD: s.dbPwd,
        serviceAccountToken: s.saToken,
        pinCode: 1,
        pkcs8: s.pemPkcs8,
        headers: `Authorization: Bearer ${s.bearer}`,
        token_number: Number(s.numberSecret),
      },
      tokens: [s.saToken, `AWS ${s.awsKeyId}`],
    },
  };
}

/** What must survive redaction (the runbook reads them). */
export const KEPT = [
  '10.0.0.41',
  '10.0.0.250',
  '10.0.0.40',
  '10.0.0.100/16',
  '10.0.0.0/16',
  'Standard_A4_v2',
  '1.0.24.11029',
  'akshci-mgmt',
  'localhost,127.0.0.1,.svc,10.0.0.0/8',
  'http://proxy.contoso.local:3128',
  'https://proxy.contoso.local:3129',
  'socks5://10.0.0.5:1080',
  'https://10.0.0.41:6443',
  'https://akshcibk.blob.core.windows.net/velero?sv=2022-11-02',
  'AccountName=akshcibk',
  'C:\\\\ClusterStorage\\\\Volume01\\\\AksHci',
];

/**
 * The pieces of `secret` to look for in stored bytes: the whole, its JSON-escaped form, its
 * URL-decoded form, and every 16-character window (a secret cut in two still leaks).
 */
export function leakProbes(secret: string): string[] {
  const core = secret.replace(/-----(BEGIN|END) [A-Z ]*PRIVATE KEY-----|\n/g, '');
  const forms = new Set([core, decodeURIComponent(core), JSON.stringify(core).slice(1, -1)]);
  const probes = new Set<string>(forms);
  for (const f of forms)
    if (f.length > 16) for (let i = 0; i + 16 <= f.length; i += 4) probes.add(f.slice(i, i + 16));
  return [...probes];
}

/** The secrets (and their pieces) found in `text`; empty when nothing leaked. */
export function leaks(text: string): string[] {
  const found: string[] = [];
  for (const [name, secret] of Object.entries(SECRETS))
    for (const probe of leakProbes(secret))
      if (text.includes(probe)) {
        found.push(`${name}: ${probe}`);
        break;
      }
  return found;
}
