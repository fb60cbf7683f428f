/**
 * Removes credentials from text before it reaches a log, an error message or progress output.
 * Covers URL user-info, signed-URL query parameters, connection-string keys, key=value and
 * JSON-style secrets, bearer tokens and PEM private keys. Idempotent.
 */
const REDACTED = '[REDACTED]';

const SECRET_NAMES = [
  'accountkey',
  'account_key',
  'sharedaccesssignature',
  'secretaccesskey',
  'secret_access_key',
  'aws_secret_access_key',
  'aws_session_token',
  'sessiontoken',
  'session_token',
  'azure_storage_account_access_key',
  'azure_client_secret',
  'client_secret',
  'password',
  'passwd',
  'token',
  'sig',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
] as const;

const namePattern = SECRET_NAMES.map((n) => n.replace(/[-_]/g, '[-_]?')).join('|');

const rules: readonly [RegExp, string | ((...groups: string[]) => string)][] = [
  // -----BEGIN ... PRIVATE KEY----- blocks
  [/-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g, `[REDACTED PRIVATE KEY]`],
  // Authorization headers: the whole value, whatever its scheme
  [/\b((?:proxy-)?authorization\s*[:=]\s*)[^\r\n"']+/gi, `$1${REDACTED}`],
  // scheme://user:password@host
  [
    /\b([a-z][a-z0-9+.-]*:\/\/)([^/\s:@]+):([^/\s@]+)@/gi,
    (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`,
  ],
  // "name": "value" (JSON)
  [new RegExp(`("(?:${namePattern})"\\s*:\\s*")((?:[^"\\\\]|\\\\.)*)(")`, 'gi'), `$1${REDACTED}$3`],
  // name=value in query strings, connection strings, dotenv and INI files
  [new RegExp(`(^|[?&;\\s,])((?:${namePattern})\\s*[=:]\\s*)([^&;\\s,"']+)`, 'gim'), `$1$2${REDACTED}`],
  // Bearer / Basic credentials
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, `$1 ${REDACTED}`],
];

export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of rules) {
    out =
      typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement);
  }
  return out;
}

/**
 * A value that must never be printed. `String(secret)`, template literals and JSON.stringify all
 * give `[REDACTED]`; only `reveal()` gives the value, at the one place that needs it.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Secret(${REDACTED})`;
  }
}
