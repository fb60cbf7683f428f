/**
 * The standby's lock under deploy/'s restore role, on the harness's standby API server: a
 * ServiceAccount bound to the ClusterRole of deploy/kubernetes/restore/rbac-restore.yaml (as
 * written, under a name of this file) takes, renews and releases the lock with its own token; bound
 * to the same role without its Lease rule (and its wildcard narrowed to core and apps objects), it is
 * refused with an error naming the permission it lacks.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { STANDBY_LOCK_NAMESPACE, takeStandbyLock } from '../../src/app/standby-lock/index.ts';
import { LifeboatError } from '../../src/errors/index.ts';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import { eventually } from '../helpers/kube.ts';

const env = inject('harness');
const admin = new KubeClient(loadKubeConfig({ kubeconfig: env.clusters['standby']!.kubeconfig }));
const suffix = randomBytes(3).toString('hex');
const ns = `lock-rbac-${suffix}`;
const lease = `lock-rbac-${suffix}`;
const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${STANDBY_LOCK_NAMESPACE}/leases/${lease}`;
const roles = { full: `lifeboat-restore-${suffix}`, narrow: `lifeboat-restore-nolease-${suffix}` };
const clients: Partial<Record<keyof typeof roles, KubeClient>> = {};

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
}

const post = <T>(path: string, body: object) => admin.json<T>({ method: 'POST', path, body });

/** The restore ClusterRole's rules as deploy/ ships them. */
async function restoreRules(): Promise<Rule[]> {
  const file = join(import.meta.dirname, '..', '..', 'deploy', 'kubernetes', 'restore', 'rbac-restore.yaml');
  const docs = parseAllDocuments(await readFile(file, 'utf8')).map(
    (d) => d.toJS() as { kind: string; rules?: Rule[] },
  );
  const role = docs.find((d) => d.kind === 'ClusterRole');
  expect(role?.rules?.length).toBeGreaterThan(0);
  return role?.rules ?? [];
}

/** A ServiceAccount bound to a ClusterRole of these rules, and a client with its own token. */
async function boundClient(which: keyof typeof roles, rules: Rule[]): Promise<KubeClient> {
  const name = roles[which];
  await post(`/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name: which } });
  await post('/apis/rbac.authorization.k8s.io/v1/clusterroles', { metadata: { name }, rules });
  await post('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
    subjects: [{ kind: 'ServiceAccount', name: which, namespace: ns }],
  });
  const { status } = await post<{ status: { token: string } }>(
    `/api/v1/namespaces/${ns}/serviceaccounts/${which}/token`,
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } },
  );
  // RBAC reaches the authorizer through an informer: wait until the binding answers.
  await eventually(
    `the binding of ${name} in effect`,
    async () => {
      const sar = await post<{ status: { allowed?: boolean } }>(
        '/apis/authorization.k8s.io/v1/subjectaccessreviews',
        {
          spec: {
            user: `system:serviceaccount:${ns}:${which}`,
            resourceAttributes: { resource: 'configmaps', verb: 'create', namespace: ns },
          },
        },
      );
      return sar.status.allowed === true ? true : undefined;
    },
    { timeoutMs: 30_000 },
  );
  const connection = loadKubeConfig({ kubeconfig: env.clusters['standby']!.kubeconfig });
  const client = new KubeClient({
    server: connection.server,
    source: `ServiceAccount ${ns}/${which}`,
    tls: { ca: connection.tls.ca, rejectUnauthorized: connection.tls.rejectUnauthorized },
    authorization: () => Promise.resolve(`Bearer ${status.token}`),
  });
  clients[which] = client;
  return client;
}

beforeAll(async () => {
  await post('/api/v1/namespaces', { metadata: { name: ns } });
}, 60_000);

afterAll(async () => {
  for (const c of Object.values(clients)) c?.close();
  await admin.json({ method: 'DELETE', path: leasePath }).catch(() => undefined);
  for (const name of Object.values(roles))
    for (const kind of ['clusterrolebindings', 'clusterroles'])
      await admin
        .json({ method: 'DELETE', path: `/apis/rbac.authorization.k8s.io/v1/${kind}/${name}` })
        .catch(() => undefined);
  await admin.json({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
  admin.close();
});

describe("the standby lock under deploy/'s restore role", { timeout: 120_000 }, () => {
  it('is taken, renewed and released with the role as deploy/ ships it', async () => {
    const client = await boundClient('full', await restoreRules());
    const lock = await takeStandbyLock({
      client,
      purpose: 'drill drill-rbac',
      name: lease,
      leaseSeconds: 3,
      logger: silentLogger(),
    });
    const read = () =>
      admin.json<{ spec: { holderIdentity?: string; renewTime?: string } }>({ path: leasePath });
    const first = await read();
    expect(first.spec.holderIdentity).toBe(lock.holder);
    const renewed = await eventually(
      'a renewal under the restricted role',
      async () => ((await read()).spec.renewTime !== first.spec.renewTime ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(renewed).toBe(true);
    expect(lock.lost.aborted).toBe(false);
    await lock.release();
    expect((await read()).spec.holderIdentity).toBeUndefined();
  });

  it('is refused without the Lease rule, naming the permission it lacks', async () => {
    const narrowed = (await restoreRules())
      .filter((r) => !(r.apiGroups ?? []).includes('coordination.k8s.io'))
      .map((r) => ((r.apiGroups ?? []).includes('*') ? { ...r, apiGroups: ['', 'apps'] } : r));
    const client = await boundClient('narrow', narrowed);
    const refused = await takeStandbyLock({
      client,
      purpose: 'drill drill-rbac-narrow',
      name: lease,
      logger: silentLogger(),
    }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(LifeboatError);
    const err = refused as LifeboatError;
    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toContain('cannot take the standby lock');
    expect(err.message).toMatch(/cannot get resource "leases" in API group "coordination\.k8s\.io"/);
    expect(err.hint).toContain('get, create and update on leases (coordination.k8s.io) in kube-system');
    expect(err.hint).toContain('deploy/kubernetes/restore/rbac-restore.yaml');
  });
});
