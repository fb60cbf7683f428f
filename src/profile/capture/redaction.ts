import { isEncodedSecret, isSecretName, redact, redactUserInfo } from '../../errors/index.ts';
import { nullObject } from '../../model/index.ts';

export const REDACTED = '[REDACTED]';

/**
 * Keys whose values are secrets in platform configuration dumps (Get-AksHciConfig's `Kva.identity`,
 * `proxyServerPassword`/`proxyServerUsername`, `sshPrivateKey`, `storageAccountKey`, a kubeconfig's
 * `client-key-data`…): any case, any separator style (errors/secret-names.ts).
 */
export const isSecretKey = isSecretName;

const BASE64 = /^[A-Za-z0-9+/_=\r\n-]+$/;

/**
 * One string with its credentials removed: a base64 blob that decodes to credentials goes whole;
 * URL user-info is dropped (the URL stays usable: `http://proxy:3128`); the rest as redact() does
 * for logs (secret-named pairs in embedded YAML/JSON, PEM keys, JWTs, cloud keys by shape).
 */
export function redactString(value: string): string {
  if (BASE64.test(value) && isEncodedSecret(value.replace(/[\r\n]/g, ''))) return REDACTED;
  return redact(redactUserInfo(value, ''));
}

interface PathNode {
  parent: PathNode | undefined;
  segment: string;
}

function pathOf(node: PathNode): string {
  const segments: string[] = [];
  for (let n: PathNode | undefined = node; n !== undefined; n = n.parent) segments.push(n.segment);
  let out = '';
  for (const s of segments.reverse()) out += out === '' || s.startsWith('[') || s === '' ? s : `.${s}`;
  return out;
}

/** Sets an own property, `__proto__` included (a plain assignment would set the prototype). */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `{"name": "AZURE_STORAGE_KEY", "value": "…"}` (env entries, settings lists): the key of the value to hide. */
function pairedValueKey(entries: [string, unknown][]): string | undefined {
  const named = entries.find(([k, v]) => /^(name|key)$/i.test(k) && typeof v === 'string' && isSecretName(v));
  if (named === undefined) return undefined;
  return entries.find(([k, v]) => /^value$/i.test(k) && typeof v === 'string')?.[0];
}

const hides = (v: unknown) => v !== null && v !== '' && v !== false;

interface Task {
  source: unknown;
  set: (value: unknown) => void;
  at: PathNode;
}

/**
 * A copy of `value` with every secret replaced by [REDACTED]: values under secret-named keys (any
 * type), the value of a secret-named name/value pair, base64 blobs hiding credentials, and
 * credentials inside strings (URL user-info, embedded kubeconfigs, PEM keys, `password=`…).
 * `redacted` receives the path of each value replaced. Iterative: any depth, no stack overflow.
 */
export function redactTree(value: unknown, redacted: string[], path = ''): unknown {
  let result: unknown;
  const stack: Task[] = [
    { source: value, set: (v) => (result = v), at: { parent: undefined, segment: path } },
  ];
  for (let task = stack.pop(); task !== undefined; task = stack.pop()) {
    const { source, at } = task;
    if (Array.isArray(source)) {
      const out: unknown[] = new Array<unknown>(source.length);
      task.set(out);
      for (let i = source.length - 1; i >= 0; i--)
        stack.push({ source: source[i], set: (v) => (out[i] = v), at: { parent: at, segment: `[${i}]` } });
    } else if (typeof source === 'object' && source !== null) {
      const out = nullObject<unknown>();
      task.set(out);
      const entries = Object.entries(source);
      const paired = pairedValueKey(entries);
      const children: Task[] = [];
      for (const [k, v] of entries) {
        const child: PathNode = { parent: at, segment: k };
        if ((k === paired || isSecretKey(k)) && hides(v)) {
          define(out, k, REDACTED);
          redacted.push(pathOf(child));
        } else {
          define(out, k, undefined); // keeps the key order
          children.push({ source: v, set: (x) => define(out, k, x), at: child });
        }
      }
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    } else if (typeof source === 'string') {
      const cleaned = redactString(source);
      if (cleaned !== source) redacted.push(pathOf(at));
      task.set(cleaned);
    } else task.set(source);
  }
  return result;
}
