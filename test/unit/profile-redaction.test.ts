import { describe, expect, it } from 'vitest';
import { KEPT, leaks, plant, SECRETS } from '../helpers/secret-corpus.ts';
import { redact } from '../../src/errors/index.ts';
import { aksHciView, importAttachment } from '../../src/profile/aks-hci/attachments.ts';
import { REDACTED, redactTree } from '../../src/profile/capture/redaction.ts';

/** Windows PowerShell 5.1's `ConvertTo-Json > file`: UTF-16 LE with a BOM, CRLF line ends. */
const utf16 = (text: string) =>
  Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text.replace(/\n/g, '\r\n'), 'utf16le')]);

describe('redaction of a real-shaped secret corpus', () => {
  it('leaves none of the secrets, nor a 16-character piece of one, in the redacted tree', () => {
    const redacted: string[] = [];
    const text = JSON.stringify(redactTree(plant(), redacted));
    expect(leaks(text)).toEqual([]);
    for (const kept of KEPT) expect(text).toContain(kept);
    expect(redacted).toEqual(
      expect.arrayContaining([
        'AksHci.Storage.storageAccountKey',
        'AksHci.Storage.backupTarget',
        'Moc.proxyServerHTTP',
        'Kva.inlineKubeconfig',
        'Kva.encodedKubeconfig',
        'Kva.nodes[0][0][0].env[0].value',
        'Kva.tokens',
      ]),
    );
  });

  it('keeps the URL and drops only its user-info', () => {
    const out = redactTree({ httpProxy: 'https://user:p%40ss@proxy:3128/path?x=1' }, []);
    expect(out).toEqual({ httpProxy: 'https://proxy:3128/path?x=1' });
  });

  it('keeps values the runbook needs and names that only mention a secret', () => {
    const value = {
      secretName: 'smbcreds',
      'csi.storage.k8s.io/node-stage-secret-namespace': 'default',
      sshPublicKey: 'ssh-rsa AAAAB3Nza',
      taints: [{ key: 'sku', value: 'gpu', effect: 'NoSchedule' }],
      passwordFile: 'C:\\secrets\\proxy.txt',
      vipPoolStart: '10.0.0.41',
      priorityClasses: [{ name: 'token-high', value: 1000 }],
    };
    expect(redactTree(value, [])).toEqual(value);
  });

  it('is idempotent', () => {
    const once = redactTree(plant(), []);
    expect(redactTree(once, [])).toEqual(once);
    const text = JSON.stringify(plant(), null, 2);
    expect(redact(redact(text))).toBe(redact(text));
  });

  it('stores a 5.1 export with the corpus planted (UTF-16 LE, CRLF, cut at depth 2) without a secret', () => {
    const a = importAttachment('aks-hci-config', 'config.json', utf16(JSON.stringify(plant(), null, 4)));
    const stored = JSON.stringify(redactTree(a, []));
    expect(leaks(stored)).toEqual([]);
    expect(a.truncated).toEqual(['Moc.commands']);
    expect(aksHciView([a]).config?.akshci.str('proxyServerNoProxy')).toBe(
      'localhost,127.0.0.1,.svc,10.0.0.0/8',
    );
  });

  it('keeps __proto__ as data, never as the prototype', () => {
    const input = JSON.parse('{"__proto__": {"password": "x", "polluted": true}}') as unknown;
    const out = redactTree(input, []) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBeNull();
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(JSON.stringify(out)).toBe(`{"__proto__":{"password":"${REDACTED}","polluted":true}}`);
  });
});

describe('redact() for logs and errors', () => {
  it('leaves no secret of the corpus in its JSON text, nor in the YAML-ish lines', () => {
    const json = JSON.stringify(plant());
    expect(leaks(redact(json))).toEqual([]);
    const pretty = JSON.stringify(plant(), null, 2);
    expect(leaks(redact(pretty))).toEqual([]);
  });

  it.each([
    ['http://user:p%40ss@proxy:3128', 'http://[REDACTED]@proxy:3128'],
    ['socks5://svc:S0cks%2FPa55@10.0.0.5:1080', 'socks5://[REDACTED]@10.0.0.5:1080'],
    ['https://:onlypass@host/x', 'https://[REDACTED]@host/x'],
    [`https://${SECRETS.urlToken}@github.com/o/r.git`, 'https://[REDACTED]@github.com/o/r.git'],
    ['http://u:raw@pass@mirror:5000/v2', 'http://[REDACTED]@mirror:5000/v2'],
    [
      'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=abc+/=;',
      'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=[REDACTED];',
    ],
    [
      'Server=db;User ID=aks;Password=hunter2;Encrypt=true',
      'Server=db;User ID=aks;Password=[REDACTED];Encrypt=true',
    ],
    ['Server=db;Pwd=hunter2', 'Server=db;Pwd=[REDACTED]'],
    ['GET /x?access_token=abc&page=2', 'GET /x?access_token=[REDACTED]&page=2'],
    [`storageAccountKey=${SECRETS.storageKey}`, 'storageAccountKey=[REDACTED]'],
    [`key ${SECRETS.storageKey} rotated`, 'key [REDACTED] rotated'],
    [`sa token ${SECRETS.saToken}`, 'sa token [REDACTED]'],
    [`id ${SECRETS.awsKeyId}`, 'id [REDACTED]'],
    ['    client-key-data: LS0tLS1CRUdJTg==', '    client-key-data: [REDACTED]'],
    ['InvalidSignature: SignatureDoesNotMatch', 'InvalidSignature: SignatureDoesNotMatch'],
  ])('%s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('hides a PEM private key cut off before its END line', () => {
    const out = redact(`key: -----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\nabc`);
    expect(out).toBe('key: [REDACTED PRIVATE KEY]');
  });
});
