import { redactPairs } from './redact-pairs.ts';
import { isSecretName } from './secret-names.ts';

export { isSecretName } from './secret-names.ts';

const REDACTED = '[REDACTED]';

/** Token shapes that are secrets wherever they appear, whatever names them. */
const TOKEN_SHAPES: readonly RegExp[] = [
  // JSON Web Tokens (service-account tokens, OIDC id tokens): header.payload.signature
  /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
  // AWS access key ids
  /(?<![A-Z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}(?![A-Z0-9])/g,
  // Azure storage account keys: 64 bytes in base64
  /(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=])/g,
  // GitHub and Slack tokens
  /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{22,255}|xox[abprs]-[A-Za-z0-9-]{10,255})/g,
];

/** base64 (standard or URL-safe) long enough to hide a credential. */
const BASE64_RUN = /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=_-])/g;
const CREDENTIAL_WORDS =
  /(token|password|passwd|secret|PRIVATE KEY|client-key|certificate-authority-data|AccountKey|"auth")/i;

/** A base64 string whose decoded text holds credentials (a kubeconfig, `name: … token: …`). */
export function isEncodedSecret(value: string): boolean {
  if (value.length < 16) return false;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  return CREDENTIAL_WORDS.test(decoded);
}

/**
 * Removes credentials from text before it reaches a log, an error message, progress output or a
 * stored profile: URL user-info, secret-named values (`password=`, `"clientSecret": "…"`,
 * `client-key-data: …`, `AccountKey=…;`, `sig=…`), Authorization headers, bearer tokens, PEM private
 * keys, JWTs, cloud keys by their shape, and base64 blobs that decode to credentials. Idempotent;
 * linear in the length of the text.
 */
export function redact(text: string): string {
  let out = redactPrivateKeys(text);
  // Authorization headers: the whole value, whatever its scheme.
  out = out.replace(/\b((?:proxy-)?authorization[ \t]*[:=][ \t]*)[^\r\n"']+/gi, `$1${REDACTED}`);
  out = redactUserInfo(out, `${REDACTED}@`);
  out = redactPairs(out, isSecretName);
  out = redactNamedValues(out);
  out = out.replace(/\b([Bb]earer|Basic)[ \t]+[A-Za-z0-9._~+/=-]+/g, `$1 ${REDACTED}`);
  for (const shape of TOKEN_SHAPES) out = out.replace(shape, REDACTED);
  return out.replace(BASE64_RUN, (run) => (isEncodedSecret(run) ? REDACTED : run));
}

/**
 * `scheme://user:password@host` (and `scheme://token@host`, an `@` inside the password, an empty
 * user): the user-info is replaced by `replacement` (`[REDACTED]@`, or `''` to drop it).
 */
export function redactUserInfo(text: string, replacement: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]{0,30}:\/\/)[^\s/?#"'<>]*@/gi, `$1${replacement}`);
}

/** `{"name": "AZURE_CLIENT_SECRET", "value": "…"}` and its YAML form (env entries, settings lists). */
const NAMED_VALUES = [
  /("(?:name|key)"[ \t]*:[ \t]*"([A-Za-z0-9_.-]{1,100})"[ \t]*,\s{0,40}"value"[ \t]*:[ \t]*")((?:[^"\\\r\n]|\\.)*)(")/gi,
  /(\b(?:name|key):[ \t]*["']?([A-Za-z0-9_.-]{1,100})["']?[ \t]*\r?\n[ \t]*(?:- )?value:[ \t]*)([^\s"'][^\r\n]*)()/g,
];

function redactNamedValues(text: string): string {
  let out = text;
  for (const re of NAMED_VALUES)
    out = out.replace(re, (whole, head: string, name: string, value: string, tail: string) =>
      isSecretName(name) && value !== REDACTED ? `${head}${REDACTED}${tail}` : whole,
    );
  return out;
}

const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY[A-Z ]{0,10}-----/g;
const PEM_END = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY[A-Z ]{0,10}-----/g;

/** PEM private keys, including one cut off before its END line (up to where its base64 stops). */
function redactPrivateKeys(text: string): string {
  if (!text.includes('PRIVATE KEY')) return text;
  const begin = new RegExp(PEM_BEGIN.source, 'g');
  const end = new RegExp(PEM_END.source, 'g');
  let out = '';
  let copied = 0;
  let ends = true; // once no END line follows, none follows a later BEGIN either
  for (let m = begin.exec(text); m !== null; m = begin.exec(text)) {
    end.lastIndex = m.index + m[0].length;
    const close: RegExpExecArray | null = ends ? end.exec(text) : null;
    ends = close !== null;
    let stop: number;
    if (close !== null) stop = close.index + close[0].length;
    else {
      stop = m.index + m[0].length;
      while (stop < text.length && /[A-Za-z0-9+/=\s\\]/.test(text[stop]!)) stop++;
    }
    out += `${text.slice(copied, m.index)}[REDACTED PRIVATE KEY]`;
    copied = stop;
    begin.lastIndex = stop;
  }
  return out + text.slice(copied);
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
