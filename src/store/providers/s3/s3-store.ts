import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ChecksumAlgorithm,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Agent as HttpsAgent } from 'node:https';
import { Agent as HttpAgent } from 'node:http';
import { Readable } from 'node:stream';
import { LifeboatError, redact, type Secret } from '../../../errors/index.ts';
import {
  checkRange,
  emptyRange,
  rangeOutsideObject,
  readExactly,
  sizeFromContentRange,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from '../../object-store.ts';
import { classifyS3Error } from './s3-errors.ts';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: Secret;
  sessionToken?: Secret;
}

export interface S3StoreOptions {
  bucket: string;
  region: string;
  /** Custom endpoint (Velero's s3Url), e.g. http://minio:9000. */
  endpoint?: string;
  forcePathStyle?: boolean;
  insecureSkipTLSVerify?: boolean;
  /** PEM CA bundle trusted in addition to the system roots. */
  caBundle?: string;
  /** Velero's checksumAlgorithm: CRC32 (default), CRC32C, SHA1, SHA256, or "" for none. */
  checksumAlgorithm?: string;
  /** Explicit credentials; without them the SDK's default chain is used. */
  credentials?: S3Credentials;
  /** Where the credentials come from, for hints: a file path or "the environment". */
  credentialsSource?: string;
  /** Attempts per request inside the SDK (parts of a multipart upload are retried there). */
  maxAttempts?: number;
  partSize?: number;
  queueSize?: number;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

const MiB = 1024 * 1024;
const CHECKSUMS = new Set(['CRC32', 'CRC32C', 'SHA1', 'SHA256', 'CRC64NVME']);

/** S3 and S3-compatible stores (MinIO, versitygw, Ceph RGW) through @aws-sdk/client-s3. */
export class S3ObjectStore implements ObjectStore {
  readonly description: string;
  readonly atomicCreate = false;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #checksum: ChecksumAlgorithm | undefined;
  readonly #partSize: number;
  readonly #queueSize: number;
  readonly #credentialsSource: string;

  constructor(options: S3StoreOptions) {
    this.#bucket = options.bucket;
    this.description = `s3://${options.bucket}${options.endpoint === undefined ? '' : ` (${redact(options.endpoint)})`}`;
    const checksum = options.checksumAlgorithm ?? 'CRC32';
    this.#checksum = CHECKSUMS.has(checksum.toUpperCase())
      ? (checksum.toUpperCase() as ChecksumAlgorithm)
      : undefined;
    // 5 MiB parts (S3's minimum, as Velero's uploader) × 3 in flight keeps memory near 30 MiB;
    // a known size raises the part size so 10,000 parts always suffice.
    this.#partSize = Math.max(options.partSize ?? 5 * MiB, 5 * MiB);
    this.#queueSize = options.queueSize ?? 3;
    this.#credentialsSource = options.credentialsSource ?? 'the credentials file or environment';
    this.#client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? false,
      maxAttempts: options.maxAttempts ?? 3,
      credentials: credentialProvider(options.credentials),
      requestChecksumCalculation: this.#checksum === undefined ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
      responseChecksumValidation: this.#checksum === undefined ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
      requestHandler: {
        httpsAgent: new HttpsAgent({
          keepAlive: true,
          maxSockets: 32,
          ca: options.caBundle,
          rejectUnauthorized: options.insecureSkipTLSVerify !== true,
        }),
        httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 32 }),
        connectionTimeout: options.connectionTimeoutMs ?? 10_000,
        requestTimeout: options.requestTimeoutMs ?? 120_000,
      },
    });
  }

  async put(key: string, body: Readable | Buffer | string, options: PutOptions = {}): Promise<void> {
    try {
      if (typeof body === 'string' || Buffer.isBuffer(body)) {
        const data = typeof body === 'string' ? Buffer.from(body) : body;
        if (data.length <= this.#partSize) {
          await this.#client.send(
            new PutObjectCommand({
              ...this.#putParams(key, options),
              Body: data,
              ContentLength: data.length,
            }),
            { abortSignal: options.signal },
          );
          return;
        }
        body = Readable.from([data]);
      }
      await this.#multipart(key, body, options);
    } catch (err) {
      throw this.#error(err, 'put', key);
    }
  }

  async get(key: string): Promise<Readable> {
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      if (out.Body instanceof Readable) return out.Body;
      return Readable.from([]);
    } catch (err) {
      throw this.#error(err, 'get', key);
    }
  }

  /** One ranged GET (`Range: bytes=a-b`); an empty range is a HEAD. */
  async getRange(key: string, offset: number, length: number, into?: Buffer): Promise<Buffer> {
    checkRange(key, offset, length, this.description);
    if (length === 0) return emptyRange((k) => this.head(k), key, offset, this.description);
    const range = { offset, length };
    try {
      const out = await this.#client.send(
        new GetObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          Range: `bytes=${offset}-${offset + length - 1}`,
        }),
      );
      const body = out.Body instanceof Readable ? out.Body : Readable.from([]);
      const data = await readExactly(body, length, into);
      if (data === false)
        throw rangeOutsideObject(key, this.description, range, sizeFromContentRange(out.ContentRange));
      return data;
    } catch (err) {
      if (err instanceof LifeboatError) throw err;
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 416 || (err as { name?: unknown }).name === 'InvalidRange')
        throw rangeOutsideObject(key, this.description, range);
      throw this.#error(err, 'getRange', key);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return { key, size: out.ContentLength ?? 0, lastModified: out.LastModified };
    } catch (err) {
      const classified = this.#error(err, 'head', key);
      if (classified.code === 'NOT_FOUND') return undefined;
      throw classified;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      const page = await this.#listPage(prefix, token, undefined);
      for (const o of page.Contents ?? []) {
        if (o.Key !== undefined) yield { key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified };
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async listCommonPrefixes(prefix: string, delimiter = '/'): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#listPage(prefix, token, delimiter);
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix !== undefined) out.push(p.Prefix);
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out;
  }

  async delete(key: string): Promise<void> {
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
    } catch (err) {
      const classified = this.#error(err, 'delete', key);
      if (classified.code === 'NOT_FOUND' && !/bucket/i.test(classified.message)) return;
      throw classified;
    }
  }

  async close(): Promise<void> {
    this.#client.destroy();
    return Promise.resolve();
  }

  async #multipart(key: string, body: Readable, options: PutOptions): Promise<void> {
    const upload = new Upload({
      client: this.#client,
      params: { ...this.#putParams(key, options), Body: body },
      partSize: Math.max(this.#partSize, Math.ceil((options.size ?? 0) / 9000)),
      queueSize: this.#queueSize,
      leavePartsOnError: false,
    });
    const onAbort = () => {
      body.destroy(Object.assign(new Error('the upload was aborted'), { name: 'AbortError' }));
      void upload.abort();
    };
    options.signal?.throwIfAborted();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await upload.done();
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  #putParams(key: string, options: PutOptions) {
    return {
      Bucket: this.#bucket,
      Key: key,
      ContentType: options.contentType,
      ChecksumAlgorithm: this.#checksum,
      // Checked by PutObject, and by CompleteMultipartUpload for a streamed body (nothing of a
      // refused multipart upload is ever visible; its parts are aborted).
      IfNoneMatch: options.ifNoneMatch,
    };
  }

  async #listPage(prefix: string, token: string | undefined, delimiter: string | undefined) {
    try {
      return await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.#bucket,
          Prefix: prefix === '' ? undefined : prefix,
          Delimiter: delimiter,
          ContinuationToken: token,
        }),
      );
    } catch (err) {
      throw this.#error(err, 'list', prefix);
    }
  }

  #error(err: unknown, operation: string, key: string) {
    return classifyS3Error(err, {
      operation,
      key,
      description: this.description,
      bucket: this.#bucket,
      credentialsSource: this.#credentialsSource,
    });
  }
}

function credentialProvider(credentials: S3Credentials | undefined) {
  if (credentials === undefined) return undefined;
  return async () =>
    Promise.resolve({
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey.reveal(),
      sessionToken: credentials.sessionToken?.reveal(),
    });
}
