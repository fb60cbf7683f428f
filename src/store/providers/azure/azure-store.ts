import {
  AnonymousCredential,
  BlobServiceClient,
  StorageSharedKeyCredential,
  type ContainerClient,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
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
import { classifyAzureError } from './azure-errors.ts';

export interface AzureStoreOptions {
  container: string;
  /** A storage connection string (AccountKey, SAS or development storage). */
  connectionString?: Secret;
  /** Blob service URL, e.g. https://acct.blob.core.windows.net (with accountKey or sasToken). */
  serviceUrl?: string;
  accountName?: string;
  accountKey?: Secret;
  /** A SAS token (without the leading "?"). */
  sasToken?: Secret;
  /** Block size of streamed uploads (Velero's blockSizeInBytes); memory is about blockSize × concurrency. */
  blockSizeInBytes?: number;
  concurrency?: number;
  /** Tries per request inside the SDK. */
  maxTries?: number;
  /** Where the credentials come from, for hints; never a secret. */
  credentialsSource?: string;
}

const MiB = 1024 * 1024;

/** Azure Blob Storage (and Azurite) through @azure/storage-blob; the bucket is the container. */
export class AzureObjectStore implements ObjectStore {
  readonly description: string;
  readonly atomicCreate = true;
  readonly #container: ContainerClient;
  readonly #containerName: string;
  readonly #blockSize: number;
  readonly #concurrency: number;
  readonly #credentialsSource: string;

  constructor(options: AzureStoreOptions) {
    const service = serviceClient(options);
    this.#containerName = options.container;
    this.#container = service.getContainerClient(options.container);
    this.#blockSize = Math.min(Math.max(options.blockSizeInBytes ?? 4 * MiB, 64 * 1024), 100 * MiB);
    this.#concurrency = options.concurrency ?? 4;
    this.#credentialsSource = options.credentialsSource ?? 'the credentials file or environment';
    const endpoint = redact(service.url.split('?')[0] ?? '').replace(/\/$/, '');
    this.description = `azure://${options.container} (${endpoint})`;
  }

  async put(key: string, body: Readable | Buffer | string, options: PutOptions = {}): Promise<void> {
    const blob = this.#container.getBlockBlobClient(key);
    const common = {
      abortSignal: options.signal,
      blobHTTPHeaders:
        options.contentType === undefined ? undefined : { blobContentType: options.contentType },
      // Put Blob, or Put Block List for a streamed body: the blob appears only if none was there.
      conditions: options.ifNoneMatch === undefined ? undefined : { ifNoneMatch: options.ifNoneMatch },
    };
    try {
      options.signal?.throwIfAborted();
      if (typeof body === 'string' || Buffer.isBuffer(body)) {
        const data = typeof body === 'string' ? Buffer.from(body) : body;
        await blob.uploadData(data, {
          ...common,
          blockSize: this.#blockSize,
          concurrency: this.#concurrency,
        });
        return;
      }
      // The uploader waits for 'end' or 'error': destroy the body with an error so it stops at once.
      const onAbort = () => body.destroy(abortError(options.signal));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        await blob.uploadStream(body, this.#blockSize, this.#concurrency, common);
      } finally {
        options.signal?.removeEventListener('abort', onAbort);
      }
    } catch (err) {
      throw this.#error(err, 'put', key);
    }
  }

  async get(key: string): Promise<Readable> {
    try {
      const response = await this.#container
        .getBlobClient(key)
        .download(0, undefined, { maxRetryRequests: 5 });
      const body = response.readableStreamBody;
      if (body === undefined) return Readable.from([]);
      return body instanceof Readable ? body : Readable.from(body);
    } catch (err) {
      throw this.#error(err, 'get', key);
    }
  }

  /** Download Blob with a range (`download(offset, count)`); an empty range is a Get Properties. */
  async getRange(key: string, offset: number, length: number, into?: Buffer): Promise<Buffer> {
    checkRange(key, offset, length, this.description);
    if (length === 0) return emptyRange((k) => this.head(k), key, offset, this.description);
    const range = { offset, length };
    try {
      const response = await this.#container
        .getBlobClient(key)
        .download(offset, length, { maxRetryRequests: 5 });
      const body = response.readableStreamBody;
      const data = body === undefined ? false : await readExactly(body, length, into);
      if (data === false)
        throw rangeOutsideObject(key, this.description, range, sizeFromContentRange(response.contentRange));
      return data;
    } catch (err) {
      if (err instanceof LifeboatError) throw err;
      const status = (err as { statusCode?: unknown }).statusCode;
      if (status === 416 || (err as { code?: unknown }).code === 'InvalidRange')
        throw rangeOutsideObject(key, this.description, range);
      throw this.#error(err, 'getRange', key);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const props = await this.#container.getBlobClient(key).getProperties();
      return { key, size: props.contentLength ?? 0, lastModified: props.lastModified };
    } catch (err) {
      const classified = this.#error(err, 'head', key);
      if (classified.code === 'NOT_FOUND' && !this.#isContainerMissing(err)) return undefined;
      throw classified;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const pages = this.#container.listBlobsFlat({ prefix }).byPage({ maxPageSize: 1000 });
    for (;;) {
      let page;
      try {
        page = await pages.next();
      } catch (err) {
        throw this.#error(err, 'list', prefix);
      }
      if (page.done === true) return;
      for (const item of page.value.segment.blobItems) {
        yield {
          key: item.name,
          size: item.properties.contentLength ?? 0,
          lastModified: item.properties.lastModified,
        };
      }
    }
  }

  async listCommonPrefixes(prefix: string, delimiter = '/'): Promise<string[]> {
    const out: string[] = [];
    try {
      for await (const item of this.#container.listBlobsByHierarchy(delimiter, { prefix })) {
        if (item.kind === 'prefix') out.push(item.name);
      }
    } catch (err) {
      throw this.#error(err, 'list', prefix);
    }
    return out;
  }

  async delete(key: string): Promise<void> {
    try {
      await this.#container.getBlobClient(key).deleteIfExists({ deleteSnapshots: 'include' });
    } catch (err) {
      const classified = this.#error(err, 'delete', key);
      if (classified.code === 'NOT_FOUND' && !this.#isContainerMissing(err)) return;
      throw classified;
    }
  }

  async close(): Promise<void> {
    return Promise.resolve();
  }

  #isContainerMissing(err: unknown): boolean {
    return (err as { code?: unknown }).code === 'ContainerNotFound';
  }

  #error(err: unknown, operation: string, key: string) {
    return classifyAzureError(err, {
      operation,
      key,
      description: this.description,
      container: this.#containerName,
      credentialsSource: this.#credentialsSource,
    });
  }
}

function serviceClient(options: AzureStoreOptions): BlobServiceClient {
  const pipeline: StoragePipelineOptions = {
    retryOptions: { maxTries: options.maxTries ?? 3, retryDelayInMs: 300, maxRetryDelayInMs: 4000 },
    keepAliveOptions: { enable: true },
  };
  if (options.connectionString !== undefined) {
    return BlobServiceClient.fromConnectionString(options.connectionString.reveal(), pipeline);
  }
  if (options.serviceUrl === undefined) {
    throw new LifeboatError('CONFIG', 'an Azure location needs a connection string or a storage account', {
      hint: 'set config storageAccount=<name> (or storageAccountURI) and give the key in the credentials file',
    });
  }
  if (options.accountKey !== undefined) {
    const account = options.accountName ?? accountFromUrl(options.serviceUrl);
    const credential = new StorageSharedKeyCredential(account, options.accountKey.reveal());
    return new BlobServiceClient(options.serviceUrl, credential, pipeline);
  }
  if (options.sasToken !== undefined) {
    const sas = options.sasToken.reveal().replace(/^\?/, '');
    return new BlobServiceClient(`${options.serviceUrl}?${sas}`, new AnonymousCredential(), pipeline);
  }
  return new BlobServiceClient(options.serviceUrl, new AnonymousCredential(), pipeline);
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  return Object.assign(new Error('the upload was aborted'), { name: 'AbortError' });
}

/** "https://acct.blob.core.windows.net" → acct; "http://127.0.0.1:10000/devstoreaccount1" → devstoreaccount1. */
export function accountFromUrl(url: string): string {
  const parsed = new URL(url);
  const path = parsed.pathname.split('/').filter(Boolean)[0];
  if (/^[\d.]+$|^localhost$/.test(parsed.hostname) && path !== undefined) return path;
  return parsed.hostname.split('.')[0] ?? parsed.hostname;
}
