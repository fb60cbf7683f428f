import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { LifeboatError } from '../../errors/index.ts';
import { type ClusterProfile, clusterProfileSchema, PROFILE_API_VERSION } from '../../profile/index.ts';
import { nullObject } from '../../model/index.ts';

/** Validates a stored or saved profile; names `what` and says what to do when it is not one. */
export function parseProfile(value: unknown, what: string): ClusterProfile {
  const v = (typeof value === 'object' && value !== null ? value : nullObject()) as Record<string, unknown>;
  if (v['kind'] === 'ClusterProfile' && v['apiVersion'] !== PROFILE_API_VERSION)
    throw new LifeboatError(
      'UNSUPPORTED',
      `${what} is a ClusterProfile of apiVersion ${String(v['apiVersion'])}; this lifeboat reads ${PROFILE_API_VERSION}`,
      {
        hint: 'use the lifeboat version that wrote it, or capture the profile again',
      },
    );
  const result = clusterProfileSchema().safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new LifeboatError(
      'CORRUPT',
      `${what} is not a valid cluster profile: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
      {
        hint: 'give a file written by lifeboat profile capture -o json|yaml',
      },
    );
  }
  return result.data;
}

/** A profile file: YAML or JSON, optionally gzipped (a downloaded <name>-cluster-profile.json.gz). */
export async function readProfileFile(path: string): Promise<ClusterProfile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new LifeboatError(
      'USAGE',
      `cannot read profile file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      {
        hint: 'give a profile file, backup:NAME or cluster:KUBECONFIG',
        cause: err,
      },
    );
  }
  let value: unknown;
  try {
    const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
    value = parseYaml(text);
  } catch (err) {
    throw new LifeboatError('USAGE', `${path} is not YAML or JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return parseProfile(value, path);
}
