import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { LifeboatError } from '../errors/index.ts';
import { nullObject } from '../model/index.ts';

export interface KubeTarget {
  /** Path of a kubeconfig file (or a KUBECONFIG-style list); default $KUBECONFIG, ~/.kube/config, in-cluster. */
  kubeconfig?: string | undefined;
  context?: string | undefined;
  /**
   * A kubeconfig held in memory (a Secret's): used instead of the files, never written to disk. It
   * must embed its data: file references and exec plugins are refused (a Secret must not make lifeboat
   * read its own files or run commands). `source` names it in messages; the text never appears in one.
   */
  kubeconfigData?: { text: string; source: string } | undefined;
}

/** How to reach and authenticate to one API server: what KubeClient needs, nothing more. */
export interface KubeConnection {
  server: string;
  /** Where the settings came from, for messages. */
  source: string;
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean; servername?: string };
  /** The Authorization header for the next request (token files and plugins can rotate it). */
  authorization(): Promise<string | undefined>;
}

interface NamedCluster {
  name: string;
  cluster: Record<string, unknown>;
}
interface NamedUser {
  name: string;
  user: Record<string, unknown>;
}
interface NamedContext {
  name: string;
  context: { cluster?: string; user?: string };
}
interface KubeconfigFile {
  clusters: NamedCluster[];
  users: NamedUser[];
  contexts: NamedContext[];
  currentContext: string | undefined;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Loads the kubeconfig the operator named. Certificates, tokens, token files and basic auth are read
 * here; exec and auth-provider plugins are handed to @kubernetes/client-node, loaded only then (the
 * library is large and most kubeconfigs do not need it). Errors say which file and context are wrong.
 */
export function loadKubeConfig(target: KubeTarget): KubeConnection {
  if (target.kubeconfigData !== undefined) return loadKubeConfigData(target.kubeconfigData, target.context);
  const paths = (target.kubeconfig ?? process.env['KUBECONFIG'] ?? join(homedir(), '.kube', 'config'))
    .split(':')
    .filter((p) => p !== '');
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length === 0) {
    if (target.kubeconfig === undefined && process.env['KUBERNETES_SERVICE_HOST'] !== undefined)
      return inCluster();
    throw new LifeboatError(
      'CONFIG',
      target.kubeconfig !== undefined
        ? `kubeconfig file ${target.kubeconfig} does not exist`
        : 'no kubeconfig found (looked at $KUBECONFIG and ~/.kube/config)',
      { hint: 'pass --kubeconfig with the path of the cluster’s kubeconfig, or set KUBECONFIG' },
    );
  }
  return select(mergeFiles(existing), existing.join(':'), target.context);
}

/** The context's cluster and user from a merged kubeconfig. */
function select(merged: KubeconfigFile, source: string, context: string | undefined): KubeConnection {
  const { cluster, user, contextName } = pickContext(merged, source, context);
  return connection(source, contextName, cluster, user);
}

/** A kubeconfig from memory: embedded data only (see KubeTarget.kubeconfigData). */
function loadKubeConfigData(
  data: { text: string; source: string },
  context: string | undefined,
): KubeConnection {
  let doc: unknown;
  try {
    doc = parse(data.text, { maxAliasCount: 100 });
  } catch (err) {
    // The parser's message quotes the text, which holds credentials: only the source is named.
    throw new LifeboatError('CONFIG', `the kubeconfig from ${data.source} is not valid YAML`, {
      hint: 'check that it holds a kubeconfig (apiVersion: v1, kind: Config)',
      cause: err instanceof Error ? new Error(err.name) : undefined,
    });
  }
  const merged = mergeDocs([{ doc: isRecord(doc) ? doc : nullObject(), base: '/' }]);
  const { cluster, user, contextName } = pickContext(merged, data.source, context);
  const named = [...PATH_FIELDS, 'exec', 'auth-provider'].find(
    (f) => Object.hasOwn(cluster, f) || Object.hasOwn(user, f),
  );
  if (named !== undefined)
    throw new LifeboatError('CONFIG', `the kubeconfig from ${data.source} uses ${named}`, {
      hint: 'a kubeconfig held in a Secret must embed its credentials (*-data fields, token): files and plugins are refused',
    });
  return connection(data.source, contextName, cluster, user);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function pickContext(
  merged: KubeconfigFile,
  source: string,
  wanted: string | undefined,
): { cluster: Record<string, unknown>; user: Record<string, unknown>; contextName: string } {
  const contextName = wanted ?? merged.currentContext;
  if (contextName === undefined || contextName === '') {
    throw new LifeboatError('CONFIG', `the kubeconfig ${source} has no current context`, {
      hint: 'pass --context NAME, or set current-context in the kubeconfig',
    });
  }
  const context = merged.contexts.find((c) => c.name === contextName)?.context;
  if (context === undefined) {
    throw new LifeboatError('CONFIG', `context '${contextName}' is not in the kubeconfig ${source}`, {
      hint: `known contexts: ${merged.contexts.map((c) => c.name).join(', ') || '(none)'}`,
    });
  }
  const cluster = merged.clusters.find((c) => c.name === context.cluster)?.cluster;
  if (cluster === undefined || typeof cluster['server'] !== 'string') {
    throw new LifeboatError(
      'CONFIG',
      `context '${contextName}' names cluster '${context.cluster ?? ''}', which ${source} does not define`,
      {
        hint: 'check the clusters and contexts of the kubeconfig (kubectl config view)',
      },
    );
  }
  const user = merged.users.find((u) => u.name === context.user)?.user ?? {};
  return { cluster, user, contextName };
}

function mergeFiles(paths: string[]): KubeconfigFile {
  return mergeDocs(
    paths.map((path) => {
      try {
        return {
          doc: (parse(readFileSync(path, 'utf8')) ?? {}) as Record<string, unknown>,
          base: dirname(resolve(path)),
        };
      } catch (err) {
        throw new LifeboatError('CONFIG', `cannot read kubeconfig ${path}: ${(err as Error).message}`, {
          hint: 'check that the file is a valid kubeconfig (kubectl --kubeconfig FILE config view)',
          cause: err,
        });
      }
    }),
  );
}

function mergeDocs(docs: { doc: Record<string, unknown>; base: string }[]): KubeconfigFile {
  // Like kubectl: the first file to define a name (or current-context) wins.
  const out: KubeconfigFile = { clusters: [], users: [], contexts: [], currentContext: undefined };
  for (const { doc, base } of docs) {
    for (const c of asList<NamedCluster>(doc['clusters'])) {
      if (!out.clusters.some((x) => x.name === c.name))
        out.clusters.push({ name: c.name, cluster: absolutize(c.cluster ?? {}, base) });
    }
    for (const u of asList<NamedUser>(doc['users'])) {
      if (!out.users.some((x) => x.name === u.name))
        out.users.push({ name: u.name, user: absolutize(u.user ?? {}, base) });
    }
    for (const c of asList<NamedContext>(doc['contexts'])) {
      if (!out.contexts.some((x) => x.name === c.name))
        out.contexts.push({ name: c.name, context: c.context ?? {} });
    }
    const current = doc['current-context'];
    if (out.currentContext === undefined && typeof current === 'string' && current !== '')
      out.currentContext = current;
  }
  return out;
}

const PATH_FIELDS = ['certificate-authority', 'client-certificate', 'client-key', 'tokenFile'];

/** File references in a kubeconfig are relative to the file that names them. */
function absolutize(entry: Record<string, unknown>, base: string): Record<string, unknown> {
  const out = nullObject(entry);
  for (const field of PATH_FIELDS) {
    const value = out[field];
    if (typeof value === 'string' && value !== '' && !isAbsolute(value)) out[field] = join(base, value);
  }
  return out;
}

function asList<T extends { name: string }>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]).filter((v) => typeof v?.name === 'string') : [];
}

function connection(
  source: string,
  contextName: string,
  cluster: Record<string, unknown>,
  user: Record<string, unknown>,
): KubeConnection {
  const server = String(cluster['server']).replace(/\/+$/, '');
  const tls: KubeConnection['tls'] = {
    ca: bytes(cluster, 'certificate-authority-data', 'certificate-authority', source),
    cert: bytes(user, 'client-certificate-data', 'client-certificate', source),
    key: bytes(user, 'client-key-data', 'client-key', source),
    rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
  };
  if (typeof cluster['tls-server-name'] === 'string') tls.servername = cluster['tls-server-name'];
  if (user['exec'] !== undefined || user['auth-provider'] !== undefined) {
    return { server, source, tls, authorization: pluginAuthorization(source, contextName, tls) };
  }
  const token = user['token'];
  const tokenFile = user['tokenFile'];
  const basic =
    typeof user['username'] === 'string' && typeof user['password'] === 'string'
      ? `Basic ${Buffer.from(`${user['username']}:${user['password']}`).toString('base64')}`
      : undefined;
  return {
    server,
    source,
    tls,
    authorization: async () => {
      if (typeof token === 'string' && token !== '') return `Bearer ${token}`;
      if (typeof tokenFile === 'string') return `Bearer ${(await readFile(tokenFile, 'utf8')).trim()}`;
      return basic;
    },
  };
}

function bytes(
  entry: Record<string, unknown>,
  dataField: string,
  fileField: string,
  source: string,
): Buffer | undefined {
  const data = entry[dataField];
  if (typeof data === 'string' && data !== '') return Buffer.from(data, 'base64');
  const file = entry[fileField];
  if (typeof file !== 'string' || file === '') return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new LifeboatError(
      'CONFIG',
      `the kubeconfig ${source} names ${fileField} ${file}, which cannot be read`,
      {
        hint: 'fix the path in the kubeconfig, or embed the data with the *-data field',
        cause: err,
      },
    );
  }
}

/** exec / auth-provider users: @kubernetes/client-node runs the plugin; its credentials are reused. */
function pluginAuthorization(
  source: string,
  contextName: string,
  tls: KubeConnection['tls'],
): () => Promise<string | undefined> {
  return async () => {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromFile(source.split(':')[0]!);
    kc.setCurrentContext(contextName);
    const opts: { headers?: Record<string, string>; cert?: Buffer | string; key?: Buffer | string } = {};
    await kc.applyToHTTPSOptions(opts);
    // An exec plugin may hand out a client certificate instead of a token.
    if (opts.cert !== undefined) tls.cert = Buffer.from(opts.cert);
    if (opts.key !== undefined) tls.key = Buffer.from(opts.key);
    return opts.headers?.['Authorization'] ?? opts.headers?.['authorization'];
  };
}

/** Running in a pod: the ServiceAccount's token (re-read, it rotates) and the cluster CA. */
function inCluster(): KubeConnection {
  const host = process.env['KUBERNETES_SERVICE_HOST']!;
  const port = process.env['KUBERNETES_SERVICE_PORT'] ?? '443';
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    source: 'in-cluster service account',
    tls: {
      ca: existsSync(`${SA_DIR}/ca.crt`) ? readFileSync(`${SA_DIR}/ca.crt`) : undefined,
      rejectUnauthorized: true,
    },
    authorization: async () => `Bearer ${(await readFile(`${SA_DIR}/token`, 'utf8')).trim()}`,
  };
}
