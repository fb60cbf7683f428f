import { describe, expect, it } from 'vitest';
import { MASK, maskItem } from './mask.ts';

const secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name: 'db',
    namespace: 'shop',
    annotations: {
      'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"aHVudGVyMg=="}}',
      team: 'payments',
    },
  },
  type: 'Opaque',
  data: { password: 'aHVudGVyMg==', user: 'YWRtaW4=' },
  stringData: { token: 'plain' },
};

describe('maskItem', () => {
  it('keeps a Secret keys and masks every value, and the last-applied annotation that repeats them', () => {
    const shown = maskItem(secret, 'secrets');
    const text = JSON.stringify(shown);
    expect(text).not.toContain('aHVudGVyMg==');
    expect(text).not.toContain('YWRtaW4=');
    expect(text).not.toContain('plain');
    expect(shown).toMatchObject({
      data: { password: MASK, user: MASK },
      stringData: { token: MASK },
      metadata: {
        annotations: { team: 'payments', 'kubectl.kubernetes.io/last-applied-configuration': MASK },
      },
      type: 'Opaque',
    });
    // The stored item itself is left as it was.
    expect(secret.data.password).toBe('aHVudGVyMg==');
  });

  it('masks whatever is stored under secrets even when its kind says otherwise, and non-object data whole', () => {
    const odd = { apiVersion: 'v1', kind: 'NotASecret', metadata: { name: 'x' }, data: 'c2VjcmV0' };
    expect(maskItem(odd, 'secrets')).toMatchObject({ data: MASK });
  });

  it('leaves a ConfigMap as it is', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } };
    expect(maskItem(cm, 'configmaps')).toBe(cm);
  });
});
