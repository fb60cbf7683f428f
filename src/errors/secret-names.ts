/**
 * Which names (object keys, `name=` in connection strings and query strings, `name:` in YAML) hold
 * secrets. A name is compared in lower case with its separators removed, so `storageAccountKey`,
 * `storage_account_key`, `STORAGE-ACCOUNT-KEY` and `storageaccountkey` are one name.
 */

/** A name holding any of these is a secret (`proxyServerPassword`, `client_secret`, `client-key-data`). */
const SECRET_PARTS = [
  'password',
  'passwd',
  'passphrase',
  'pwd',
  'secret',
  'token',
  'credential',
  'apikey',
  'accesskey',
  'accountkey',
  'privatekey',
  'clientkey',
  'signingkey',
  'encryptionkey',
  'sharedkey',
  'masterkey',
  'keydata',
  'certificatedata',
  'connectionstring',
  'sharedaccesssignature',
  'authorization',
  'cookie',
  'identity',
  'loginyaml',
];

/** User names that Get-AksHciConfig pairs with a password (spec/aks-hci.md §0.4). */
const SECRET_USER_NAMES = ['proxyserverusername', 'proxyusername'];

/** Names that are secrets only as a whole (`sig=` of a SAS token, a docker config's `auth`). */
const SECRET_EXACT = new Set([
  'auth',
  'pwd',
  'pass',
  'sig',
  'sas',
  'psk',
  'otp',
  'cred',
  'creds',
  'signature',
  'xamzsignature',
]);

/**
 * Endings that make a secret-looking name harmless: it names a reference, a path or a setting about
 * the secret, never the secret itself (`secretName`, `tokenFile`, `passwordRef`, `identityProvider`).
 */
const HARMLESS_ENDINGS = [
  'name',
  'names',
  'namespace',
  'ref',
  'refs',
  'file',
  'path',
  'dir',
  'directory',
  'provider',
  'type',
  'kind',
  'enabled',
  'required',
  'policy',
  'mode',
  'ttl',
  'expiration',
  'length',
  'rotationthreshold',
];

/** `…key` names that are not secrets (a taint's `key`, `sshPublicKey`, an affinity's `topologyKey`). */
const HARMLESS_KEYS = ['publickey', 'partitionkey', 'routingkey', 'topologykey', 'labelkey', 'sortkey'];

const normalize = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

export function isSecretName(name: string): boolean {
  if (name.length > 200) return false;
  const n = normalize(name);
  if (n === '') return false;
  if (SECRET_EXACT.has(n) || SECRET_USER_NAMES.some((u) => n.endsWith(u))) return true;
  if (HARMLESS_ENDINGS.some((e) => n.endsWith(e) && n !== e)) return false;
  if (SECRET_PARTS.some((p) => n.includes(p))) return true;
  // `storageAccountKey`, `apiKeys`, `AZURE_STORAGE_KEY`: anything ending in key but a bare `key`.
  const stem = n.endsWith('keys') ? n.slice(0, -1) : n;
  return stem.endsWith('key') && stem !== 'key' && !HARMLESS_KEYS.some((k) => stem.endsWith(k));
}
