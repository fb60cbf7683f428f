import { redact } from '../errors/index.ts';
import { nullObject } from '../model/dictionary.ts';

export const REDACTED = '[REDACTED]';

/**
 * Keys whose values are secrets in platform configuration dumps (Get-AksHciConfig's `Kva.identity`,
 * `proxyServerPassword`/`proxyServerUsername`, `sshPrivateKey`, kubeadm `extraArgs` tokens…).
 * Matched case-insensitively on the key alone.
 */
const SECRET_KEY =
  /(password|passwd|token|secret|identity|privatekey|private_key|credential|apikey|api_key|accesskey|access_key|connectionstring|loginyaml|proxyserverusername|certificatedata|keydata)/i;

/** Keys that contain a secret-looking word but name something harmless (a Secret's name, a path to a CA). */
const HARMLESS_KEY = /(secretname|secret-name|secretnamespace|secret-namespace|identityprovider)$/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !HARMLESS_KEY.test(key);
}

/** A long base64 string that decodes to text holding credentials (e.g. the `name: … token: …` identity blob). */
function isEncodedSecret(value: string): boolean {
  if (value.length < 40 || !/^[A-Za-z0-9+/=\r\n]+$/.test(value)) return false;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  return /(token|password|secret|PRIVATE KEY|certificate-authority-data|client-key)/i.test(decoded);
}

/**
 * A copy of `value` with every secret replaced by [REDACTED]: values under secret-named keys (any
 * type), base64 blobs hiding credentials, and credentials inside strings (URL user-info, PEM keys,
 * `password=`…). `redacted` receives the dotted path of each value replaced.
 */
export function redactTree(value: unknown, redacted: string[], path = ''): unknown {
  if (Array.isArray(value)) return value.map((v, i) => redactTree(v, redacted, `${path}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    const out = nullObject<unknown>();
    for (const [k, v] of Object.entries(value)) {
      const p = path === '' ? k : `${path}.${k}`;
      if (isSecretKey(k) && v !== null && v !== '' && v !== false) {
        out[k] = REDACTED;
        redacted.push(p);
      } else out[k] = redactTree(v, redacted, p);
    }
    return out;
  }
  if (typeof value === 'string') {
    if (isEncodedSecret(value)) {
      redacted.push(path);
      return REDACTED;
    }
    // Proxy URLs carry user and password: both go (redact() keeps the user name).
    const cleaned = redact(value.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, `$1${REDACTED}@`));
    if (cleaned !== value) redacted.push(path);
    return cleaned;
  }
  return value;
}
