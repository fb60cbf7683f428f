import { LifeboatError } from '../../../errors/index.ts';
import { storeError, type ClassifiedStoreError } from '../../object-store.ts';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EPIPE',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const TLS_CODES = new Set([...NETWORK_CODES].filter((c) => c.includes('CERT')));
const AUTH_NAMES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'AuthorizationHeaderMalformed',
  'CredentialsProviderError',
  'InvalidClientTokenId',
]);
const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'ThrottlingException',
  'Throttling',
]);

export interface S3ErrorContext {
  operation: string;
  key: string;
  description: string;
  bucket: string;
  /** Where the credentials come from, for hints (a path or "the environment"); never a secret. */
  credentialsSource: string;
}

/** Maps an AWS SDK (or network) error to a LifeboatError that names the store, never a credential. */
export function classifyS3Error(err: unknown, ctx: S3ErrorContext): LifeboatError {
  if (err instanceof LifeboatError) return err;
  return storeError(err, classify(err, ctx), ctx, describe(err));
}

function classify(err: unknown, ctx: S3ErrorContext): ClassifiedStoreError {
  const name = err instanceof Error ? err.name : '';
  const status = httpStatus(err);
  const net = networkCode(err);
  if (name === 'AbortError') return { code: 'INTERRUPTED', transient: false };
  if (name === 'NoSuchBucket') {
    return {
      code: 'NOT_FOUND',
      transient: false,
      what: `bucket ${ctx.bucket} of ${ctx.description} does not exist`,
      hint: 'create the bucket first or check its name',
    };
  }
  if (name === 'PreconditionFailed' || status === 412) {
    return {
      code: 'ALREADY_EXISTS',
      transient: false,
      what: `object ${ctx.key} already exists in ${ctx.description}`,
      hint: 'another writer created it first; it was left untouched',
    };
  }
  if (name === 'ConditionalRequestConflict') {
    return {
      code: 'CONFLICT',
      transient: true,
      hint: 'another write of the same key was in progress; try again',
    };
  }
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
    return { code: 'NOT_FOUND', transient: false, what: `object ${ctx.key} not found in ${ctx.description}` };
  }
  if (AUTH_NAMES.has(name)) {
    return {
      code: 'UNAUTHENTICATED',
      transient: false,
      hint: `check the access key and secret in ${ctx.credentialsSource}`,
    };
  }
  if (name === 'AccessDenied' || name === 'Forbidden' || status === 403) {
    return {
      code: 'FORBIDDEN',
      transient: false,
      hint: `check the credentials in ${ctx.credentialsSource} and that they may read and write bucket ${ctx.bucket}`,
    };
  }
  if (name === 'TimeoutError' || net === 'ETIMEDOUT' || name === 'RequestTimeout') {
    return { code: 'TIMEOUT', transient: true, hint: 'is the endpoint up and reachable from here?' };
  }
  if (net !== undefined && TLS_CODES.has(net)) {
    return {
      code: 'UNREACHABLE',
      transient: false,
      hint: 'the TLS certificate was refused: give the CA bundle (--cacert) or set insecureSkipTLSVerify=true',
    };
  }
  if (net !== undefined && NETWORK_CODES.has(net)) {
    return { code: 'UNREACHABLE', transient: true, hint: 'is the endpoint up? check s3Url and the network' };
  }
  if (TRANSIENT_NAMES.has(name) || status === 429 || (status !== undefined && status >= 500)) {
    return {
      code: 'OPERATION_FAILED',
      transient: true,
      hint: 'the server is busy or failing; try again later',
    };
  }
  return { code: 'OPERATION_FAILED', transient: false };
}

function httpStatus(err: unknown): number | undefined {
  const meta = (err as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata;
  return typeof meta?.httpStatusCode === 'number' ? meta.httpStatusCode : undefined;
}

/** The Node network error code anywhere in the cause chain (or inside an AggregateError). */
function networkCode(err: unknown, depth = 0): string | undefined {
  if (err === null || typeof err !== 'object' || depth > 5) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || code === 'ETIMEDOUT')) return code;
  for (const inner of (err as { errors?: unknown }).errors instanceof Array
    ? (err as { errors: unknown[] }).errors
    : []) {
    const found = networkCode(inner, depth + 1);
    if (found !== undefined) return found;
  }
  return networkCode((err as { cause?: unknown }).cause, depth + 1);
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const net = networkCode(err);
  const message = err.message === '' ? err.name : err.message;
  return net !== undefined && !message.includes(net) ? `${net}: ${message}` : message;
}
