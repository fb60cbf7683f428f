import { readFile } from 'node:fs/promises';
import { LifeboatError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import type { Location } from '../../model/index.ts';

/** Velero's repository password (the `velero-repo-credentials` Secret it creates by default). */
export const VELERO_DEFAULT_PASSWORD = 'static-passw0rd';

/** Location config keys naming where the repository password lives (never the password itself). */
export const PASSWORD_ENV_KEY = 'repositoryPasswordEnvVar';
export const PASSWORD_FILE_KEY = 'repositoryPasswordFile';

const MAX_PASSWORD_FILE = 64 * 1024;

let warnedDefault = false;

/** Where a location's repository password comes from, for messages (never the password). */
export function passwordSource(location: Location): string {
  const c = location.config;
  if (c[PASSWORD_ENV_KEY]) return `environment variable ${c[PASSWORD_ENV_KEY]}`;
  if (c[PASSWORD_FILE_KEY]) return `file ${c[PASSWORD_FILE_KEY]}`;
  return `Velero's default password (${PASSWORD_ENV_KEY} and ${PASSWORD_FILE_KEY} unset)`;
}

/**
 * The password of a location's kopia repositories: from the environment variable named by
 * `config.repositoryPasswordEnvVar`, else the file named by `config.repositoryPasswordFile` (one
 * line; a trailing newline is dropped), else Velero's static default with a warning (once a
 * process). A password written in the config itself is refused: the config file is not a secret.
 */
export async function repositoryPassword(
  location: Location,
  logger: Logger | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const c = location.config;
  if (c['repositoryPassword'] !== undefined)
    throw new LifeboatError(
      'CONFIG',
      `location "${location.name}" holds a repository password in clear in the config file`,
      {
        hint: `remove config.repositoryPassword; name an environment variable (config ${PASSWORD_ENV_KEY}=NAME) or a file (config ${PASSWORD_FILE_KEY}=PATH) that holds it`,
      },
    );
  const envName = c[PASSWORD_ENV_KEY];
  if (envName !== undefined && envName !== '') {
    const value = env[envName];
    if (value === undefined || value === '')
      throw new LifeboatError(
        'CONFIG',
        `the repository password of location "${location.name}" is in environment variable ${envName}, which is unset or empty`,
        { hint: `export ${envName} with the password of the location's kopia repositories` },
      );
    return value;
  }
  const file = c[PASSWORD_FILE_KEY];
  if (file !== undefined && file !== '') return readPasswordFile(location.name, file);
  if (!warnedDefault) {
    warnedDefault = true;
    logger?.warn(
      { location: location.name },
      `location "${location.name}" uses Velero's static default repository password; set config ${PASSWORD_ENV_KEY} or ${PASSWORD_FILE_KEY} if the repository has its own`,
    );
  }
  return VELERO_DEFAULT_PASSWORD;
}

async function readPasswordFile(locationName: string, file: string): Promise<string> {
  let text: string;
  try {
    const data = await readFile(file);
    if (data.length > MAX_PASSWORD_FILE) throw new Error('file too large');
    text = data.toString('utf8');
  } catch (err) {
    throw new LifeboatError(
      'CONFIG',
      `cannot read the repository password file ${file} of location "${locationName}"`,
      { cause: err, hint: `check config ${PASSWORD_FILE_KEY}: a readable file of at most 64 KiB` },
    );
  }
  const password = text.replace(/\r?\n$/, '');
  if (password === '')
    throw new LifeboatError('CONFIG', `the repository password file ${file} is empty`, {
      hint: 'write the password of the location’s kopia repositories into it',
    });
  return password;
}
