import type { Readable } from 'node:stream';
import { LifeboatError, isLifeboatError } from '../errors/index.ts';

/** Small pieces of BackupStore: the name check, optional reads, CORRUPT errors, bounded fan-out. */

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** The object, or undefined when the store has no such object. */
export async function orUndefined(get: Promise<Readable>): Promise<Readable | undefined> {
  try {
    return await get;
  } catch (err) {
    if (isLifeboatError(err) && err.code === 'NOT_FOUND') return undefined;
    throw err;
  }
}

export function corrupt(key: string, what: string, cause?: unknown): LifeboatError {
  return new LifeboatError('CORRUPT', `${key} ${what}`, {
    cause,
    hint: 'the backup metadata is damaged; restore it from another copy or delete the backup',
    details: { key },
  });
}

export function checkName(name: string, kind: string): void {
  if (!NAME.test(name) || name.length > 253) {
    throw new LifeboatError('USAGE', `'${name}' is not a valid ${kind} name`, {
      hint: 'use letters, digits, "-", "_" and "." (a Kubernetes object name)',
    });
  }
}
