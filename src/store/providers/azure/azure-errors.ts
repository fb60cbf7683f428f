import { LifeboatError } from '../../../errors/index.ts';
import { storeError, type ClassifiedStoreError } from '../../object-store.ts';

const NETWORK = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ECONNRESET|EPIPE)\b/;
const TLS =
  /\b(CERT_HAS_EXPIRED|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|ERR_TLS_CERT_ALTNAME_INVALID)\b/;
const AUTH_CODES = new Set([
  'AuthenticationFailed',
  'InvalidAuthenticationInfo',
  'NoAuthenticationInformation',
]);
const TRANSIENT_CODES = new Set(['ServerBusy', 'InternalError', 'OperationTimedOut']);

export interface AzureErrorContext {
  operation: string;
  key: string;
  description: string;
  container: string;
  /** Where the credentials come from, for hints; never a secret. */
  credentialsSource: string;
}

/** Maps an @azure/storage-blob RestError (or network error) to a LifeboatError without credentials. */
export function classifyAzureError(err: unknown, ctx: AzureErrorContext): LifeboatError {
  if (err instanceof LifeboatError) return err;
  return storeError(err, classify(err, ctx), ctx, describe(err));
}

function classify(err: unknown, ctx: AzureErrorContext): ClassifiedStoreError {
  const name = err instanceof Error ? err.name : '';
  const code = stringField(err, 'code') ?? '';
  const status = (err as { statusCode?: unknown } | undefined)?.statusCode;
  const text = `${code} ${err instanceof Error ? err.message : String(err)} ${causeText(err)}`;
  if (name === 'AbortError') return { code: 'INTERRUPTED', transient: false };
  if (code === 'ContainerNotFound') {
    return {
      code: 'NOT_FOUND',
      transient: false,
      what: `container ${ctx.container} of ${ctx.description} does not exist`,
      hint: 'create the container first or check its name (the location bucket)',
    };
  }
  if (code === 'BlobAlreadyExists' || code === 'ConditionNotMet' || status === 412) {
    return {
      code: 'ALREADY_EXISTS',
      transient: false,
      what: `object ${ctx.key} already exists in ${ctx.description}`,
      hint: 'another writer created it first; it was left untouched',
    };
  }
  if (code === 'BlobNotFound' || status === 404) {
    return { code: 'NOT_FOUND', transient: false, what: `object ${ctx.key} not found in ${ctx.description}` };
  }
  if (AUTH_CODES.has(code) || /Server failed to authenticate/i.test(text)) {
    return {
      code: 'UNAUTHENTICATED',
      transient: false,
      hint: `check the storage account key or connection string in ${ctx.credentialsSource}`,
    };
  }
  if (status === 403) {
    return {
      code: 'FORBIDDEN',
      transient: false,
      hint: `check that the credentials in ${ctx.credentialsSource} may read and write container ${ctx.container}`,
    };
  }
  if (TLS.test(text)) {
    return {
      code: 'UNREACHABLE',
      transient: false,
      hint: 'the TLS certificate was refused: check storageAccountURI and the CA trusted by this machine',
    };
  }
  if (NETWORK.test(text)) {
    return {
      code: 'UNREACHABLE',
      transient: true,
      hint: 'is the endpoint up? check storageAccountURI and the network',
    };
  }
  if (/ETIMEDOUT|timed? ?out/i.test(text) || name === 'TimeoutError') {
    return { code: 'TIMEOUT', transient: true, hint: 'is the endpoint up and reachable from here?' };
  }
  if (TRANSIENT_CODES.has(code) || status === 429 || (typeof status === 'number' && status >= 500)) {
    return {
      code: 'OPERATION_FAILED',
      transient: true,
      hint: 'the service is busy or failing; try again later',
    };
  }
  return { code: 'OPERATION_FAILED', transient: false };
}

function stringField(err: unknown, field: string): string | undefined {
  const value = (err as Record<string, unknown> | undefined)?.[field];
  return typeof value === 'string' ? value : undefined;
}

function causeText(err: unknown): string {
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  if (cause instanceof Error) return `${stringField(cause, 'code') ?? ''} ${cause.message}`;
  return '';
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // Azure messages carry a RequestId/Time trailer over several lines: keep the first line.
  const first = (err.message.split('\n')[0] ?? '').trim();
  return first === '' ? err.name : first;
}
