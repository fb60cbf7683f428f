import { readFile } from 'node:fs/promises';
import { LifeboatError, Secret } from '../errors/index.ts';

/** One profile of an AWS shared-credentials file. */
export interface AwsProfileCredentials {
  accessKeyId: string;
  secretAccessKey: Secret;
  sessionToken?: Secret;
}

/**
 * Parses an AWS shared-credentials INI file (Velero's `cloud` secret for the AWS plugin):
 * `[profile]` sections of `key = value` lines; `#` and `;` start comments. Values are Secrets.
 */
export function parseAwsCredentials(text: string): Map<string, Map<string, Secret>> {
  const profiles = new Map<string, Map<string, Secret>>();
  let current: Map<string, Secret> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/.exec(line);
    if (section !== null) {
      const name = section[1] ?? '';
      current = profiles.get(name) ?? new Map<string, Secret>();
      profiles.set(name, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || current === undefined) continue;
    const key = line.slice(0, eq).trim().toLowerCase();
    current.set(key, new Secret(stripInlineComment(line.slice(eq + 1)).trim()));
  }
  return profiles;
}

/** The access key of one profile; CONFIG error naming the file (never a value) when incomplete. */
export function awsProfile(text: string, profile: string, source: string): AwsProfileCredentials {
  const profiles = parseAwsCredentials(text);
  const entries = profiles.get(profile);
  if (entries === undefined) {
    throw new LifeboatError('CONFIG', `credentials file ${source} has no profile [${profile}]`, {
      hint: `add a [${profile}] section or set config profile=<name>; profiles found: ${[...profiles.keys()].join(', ') || 'none'}`,
    });
  }
  const id = entries.get('aws_access_key_id')?.reveal();
  const secret = entries.get('aws_secret_access_key');
  if (id === undefined || id === '' || secret === undefined || secret.reveal() === '') {
    throw new LifeboatError(
      'CONFIG',
      `profile [${profile}] of credentials file ${source} lacks aws_access_key_id or aws_secret_access_key`,
      { hint: 'write both keys in the profile, in the AWS shared-credentials format' },
    );
  }
  const token = entries.get('aws_session_token');
  return {
    accessKeyId: id,
    secretAccessKey: secret,
    ...(token !== undefined && token.reveal() !== '' ? { sessionToken: token } : {}),
  };
}

/**
 * Parses a dotenv file (Velero's Azure `cloud` secret): `KEY=VALUE` lines, optional `export `,
 * `#` comments, single or double quotes (double quotes understand \n, \" and \\).
 */
export function parseDotenv(text: string): Map<string, Secret> {
  const out = new Map<string, Secret>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (match === null) continue;
    out.set(match[1] ?? '', new Secret(unquote(match[2] ?? '')));
  }
  return out;
}

/** Reads a credentials file; a missing or unreadable file is a CONFIG error naming it. */
export async function readCredentialsFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new LifeboatError('CONFIG', `cannot read credentials file ${path}`, {
      cause: err,
      hint: 'check the --credentials-file path of the location and that it is readable',
    });
  }
}

function unquote(value: string): string {
  const first = value[0];
  if (first === '"' || first === "'") {
    const end = findClosingQuote(value, first);
    if (end > 0) {
      const inner = value.slice(1, end);
      return first === "'"
        ? inner
        : inner.replace(/\\([nrt"\\])/g, (_m, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
    }
  }
  return stripInlineComment(value).trim();
}

function findClosingQuote(value: string, quote: string): number {
  for (let i = 1; i < value.length; i++) {
    if (value[i] === '\\' && quote === '"') i++;
    else if (value[i] === quote) return i;
  }
  return -1;
}

/** " # comment" after a value (a # glued to the value is part of it). */
function stripInlineComment(value: string): string {
  const at = value.search(/\s[#;]/);
  return at < 0 ? value : value.slice(0, at);
}
