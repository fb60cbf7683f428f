import { describe, expect, it } from 'vitest';
import { LifeboatError } from '../../errors/index.ts';
import { KubeApiError } from '../../kube/index.ts';
import { classifyUnreachable } from './probe.ts';

const at = 'https://10.0.0.1:6443';
const sys = (code: string) => Object.assign(new Error(`connect ${code}`), { code });
const wrapped = (code: string) =>
  new LifeboatError('UNREACHABLE', `cannot reach the API server ${at}: ${code}`, { cause: sys(code) });

describe('why a cluster is unreachable', () => {
  it.each([
    [wrapped('ENOTFOUND'), 'dns', /host name of https:\/\/10\.0\.0\.1:6443 does not resolve \(ENOTFOUND\)/],
    [wrapped('EAI_AGAIN'), 'dns', /does not resolve \(EAI_AGAIN\)/],
    [wrapped('ECONNREFUSED'), 'refused', /nothing accepts connections at https:\/\/10\.0\.0\.1:6443/],
    [wrapped('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'tls', /certificate-authority does not trust/],
    [wrapped('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls', /does not trust \(ERR_TLS_CERT_ALTNAME_INVALID\)/],
    [
      new KubeApiError('UNAUTHENTICATED', 'GET /api: Unauthorized', 401, 'Unauthorized'),
      'unauthorized',
      /rejected the kubeconfig's credentials \(HTTP 401\)/,
    ],
    [
      new KubeApiError('FORBIDDEN', 'GET /api: forbidden', 403, 'Forbidden'),
      'forbidden',
      /forbids .* namespace kube-system \(HTTP 403\)/,
    ],
    [
      new LifeboatError('TIMEOUT', `the API server ${at} did not answer in time`),
      'timeout',
      /did not answer within 5 s/,
    ],
    [new LifeboatError('CONFIG', "context 'x' is not in the kubeconfig /k"), 'kubeconfig', /context 'x'/],
    [wrapped('EHOSTUNREACH'), 'other', /cannot reach the API server/],
  ] as const)('%s → %s', (err, kind, reason) => {
    const got = classifyUnreachable(err, at);
    expect(got.kind).toBe(kind);
    expect(got.reason).toMatch(reason);
  });
});
