import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from './kubeconfig.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-kubeconfig-'));
  await writeFile(join(dir, 'ca.crt'), 'CA-PEM');
  await writeFile(join(dir, 'token'), 'file-token\n');
  await writeFile(
    join(dir, 'a.yaml'),
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: prod',
      'clusters:',
      '- name: prod',
      '  cluster: {server: "https://10.1.2.3:6443/", certificate-authority: ca.crt, tls-server-name: api.prod}',
      '- name: lab',
      '  cluster: {server: "https://lab:6443", insecure-skip-tls-verify: true}',
      'users:',
      '- name: admin',
      `  user: {client-certificate-data: ${Buffer.from('CERT').toString('base64')}, client-key-data: ${Buffer.from('KEY').toString('base64')}}`,
      '- name: robot',
      '  user: {tokenFile: token}',
      'contexts:',
      '- {name: prod, context: {cluster: prod, user: admin}}',
      '- {name: lab, context: {cluster: lab, user: robot}}',
      '- {name: broken, context: {cluster: nowhere, user: admin}}',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'b.yaml'),
    'current-context: lab\nusers:\n- name: extra\n  user: {token: abc}\ncontexts:\n- {name: extra, context: {cluster: lab, user: extra}}\n',
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('loadKubeConfig', () => {
  it('reads the current context: server, CA file relative to the kubeconfig, client certificate', async () => {
    const c = loadKubeConfig({ kubeconfig: join(dir, 'a.yaml') });
    expect(c.server).toBe('https://10.1.2.3:6443');
    expect(c.tls.ca?.toString()).toBe('CA-PEM');
    expect(c.tls.cert?.toString()).toBe('CERT');
    expect(c.tls.key?.toString()).toBe('KEY');
    expect(c.tls.servername).toBe('api.prod');
    expect(c.tls.rejectUnauthorized).toBe(true);
    expect(await c.authorization()).toBeUndefined();
  });

  it('switches context; token files are read when used', async () => {
    const c = loadKubeConfig({ kubeconfig: join(dir, 'a.yaml'), context: 'lab' });
    expect(c.tls.rejectUnauthorized).toBe(false);
    expect(await c.authorization()).toBe('Bearer file-token');
  });

  it('merges a KUBECONFIG list: the first file to set a value wins', async () => {
    const c = loadKubeConfig({
      kubeconfig: `${join(dir, 'a.yaml')}:${join(dir, 'b.yaml')}`,
      context: 'extra',
    });
    expect(c.server).toBe('https://lab:6443');
    expect(await c.authorization()).toBe('Bearer abc');
    expect(loadKubeConfig({ kubeconfig: `${join(dir, 'a.yaml')}:${join(dir, 'b.yaml')}` }).server).toBe(
      'https://10.1.2.3:6443',
    );
  });

  it('says which context or file is wrong, with a hint', () => {
    expect(() => loadKubeConfig({ kubeconfig: join(dir, 'a.yaml'), context: 'staging' })).toThrow(
      /context 'staging' is not in the kubeconfig .*a\.yaml/,
    );
    expect(() => loadKubeConfig({ kubeconfig: join(dir, 'a.yaml'), context: 'broken' })).toThrow(
      /names cluster 'nowhere'/,
    );
    expect(() => loadKubeConfig({ kubeconfig: join(dir, 'missing.yaml') })).toThrow(/does not exist/);
  });
});

describe('a kubeconfig held in memory (from a Secret)', () => {
  const inMemory = (user: string, cluster = 'server: "https://10.9.9.9:6443"') => ({
    kubeconfigData: {
      source: 'secret/fleet/w1',
      text: `current-context: c\nclusters: [{name: k, cluster: {${cluster}}}]\nusers: [{name: u, user: {${user}}}]\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n`,
    },
  });

  it('is read from the text, with embedded credentials', async () => {
    const c = loadKubeConfig(inMemory('token: s3cr3t-token'));
    expect(c.server).toBe('https://10.9.9.9:6443');
    expect(c.source).toBe('secret/fleet/w1');
    expect(await c.authorization()).toBe('Bearer s3cr3t-token');
  });

  it('may not name files or run plugins, and its errors never quote the text', () => {
    expect(() => loadKubeConfig(inMemory('tokenFile: /var/run/secrets/token'))).toThrow(
      /the kubeconfig from secret\/fleet\/w1 uses tokenFile/,
    );
    expect(() => loadKubeConfig(inMemory('exec: {command: sh}'))).toThrow(/uses exec/);
    expect(() =>
      loadKubeConfig(inMemory('token: x', 'server: "https://a", certificate-authority: /etc/ca')),
    ).toThrow(/uses certificate-authority/);
    let message = '';
    try {
      loadKubeConfig({ kubeconfigData: { source: 'secret/fleet/w2', text: 'token: s3cr3t\n  : [bad' } });
    } catch (err) {
      message = String((err as Error).message) + String((err as Error & { hint?: string }).hint);
    }
    expect(message).toMatch(/secret\/fleet\/w2 is not valid YAML/);
    expect(message).not.toContain('s3cr3t');
  });
});
