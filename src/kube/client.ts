import { Agent, request, type RequestOptions } from 'node:https';
import type WebSocket from 'ws';
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import type { KubeConnection } from './kubeconfig.ts';
import { LifeboatError, type ErrorCode } from '../errors/index.ts';
import { goMarshal } from '../gojson/index.ts';
import { nullObject } from '../model/index.ts';

export interface RequestSpec {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** Retries of 429/5xx/timeouts/connection resets (default 5). */
  retries?: number;
  timeoutMs?: number;
}

/** A WebSocket upgrade (pods/exec): GET with the subprotocols the caller speaks. */
export interface UpgradeSpec {
  path: string;
  query: URLSearchParams;
  protocols: readonly string[];
  timeoutMs: number;
  maxMessageBytes?: number;
}

export interface KubeClientOptions {
  /** Concurrent sockets to the API server (default 16). */
  maxSockets?: number;
  /** Sleep used between retries; replaceable in tests. */
  sleep?: (ms: number) => Promise<void>;
}

/** The API server's status body on errors. */
interface StatusBody {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
}

/** An API call failed with an HTTP status; `status` and `reason` come from the API server. */
export class KubeApiError extends LifeboatError {
  readonly status: number;
  readonly reason: string | undefined;
  constructor(code: ErrorCode, message: string, status: number, reason: string | undefined, hint?: string) {
    super(code, message, { hint, details: { status, reason } });
    this.status = status;
    this.reason = reason;
  }
}

/**
 * A small raw JSON client for the Kubernetes API: keep-alive sockets, retries with backoff on 429
 * (honouring Retry-After), 5xx, timeouts and resets, and errors classified into lifeboat's codes with
 * the server's message. Used for every call lifeboat makes: paged LISTs, GETs, creates and patches.
 */
export class KubeClient {
  readonly server: string;
  readonly #connection: KubeConnection;
  readonly #agent: Agent | HttpAgent;
  readonly #sleep: (ms: number) => Promise<void>;
  #auth: { value: string | undefined; at: number } | undefined;

  constructor(connection: KubeConnection, options: KubeClientOptions = {}) {
    this.#connection = connection;
    this.server = connection.server;
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 16 };
    this.#agent = this.server.startsWith('https:') ? new Agent(agentOptions) : new HttpAgent(agentOptions);
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async json<T>(spec: RequestSpec): Promise<T> {
    const text = await this.text(spec);
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new LifeboatError(
        'OPERATION_FAILED',
        `the API server sent a response that is not JSON for ${spec.path}`,
        {
          cause: err,
        },
      );
    }
  }

  /** The response body as text, after retries; throws KubeApiError or UNREACHABLE/TIMEOUT errors. */
  async text(spec: RequestSpec): Promise<string> {
    return (await this.bytes(spec)).toString('utf8');
  }

  /** The response body as the server sent it (text() without decoding), after retries. */
  async bytes(spec: RequestSpec): Promise<Buffer> {
    const attempts = (spec.retries ?? 5) + 1;
    let delay = 200;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once(spec);
      } catch (err) {
        const retryAfter = retryDelay(err, delay);
        // A 500 is more often a lasting fault (a broken webhook) than a passing one: retry it less.
        const limit = err instanceof KubeApiError && err.status === 500 ? Math.min(attempts, 3) : attempts;
        if (retryAfter === undefined || attempt >= limit) throw err;
        await this.#sleep(retryAfter);
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  close(): void {
    this.#agent.destroy();
  }

  /**
   * Opens a WebSocket to the API server (pods/exec), authenticated as every other call (no retries:
   * the caller runs a command once), with messages bounded to `maxMessageBytes` (default 1 MiB).
   * A refusal is a KubeApiError with the server's message.
   */
  async webSocket(spec: UpgradeSpec): Promise<WebSocket> {
    const url = new URL(`${this.server}${spec.path}?${spec.query.toString()}`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    // The TLS material of every other call; its own socket, not the keep-alive agent's.
    const { agent: _agent, headers: given, ...tls } = await this.#options();
    const headers: Record<string, string> = nullObject(given as Record<string, string>);
    headers['User-Agent'] = 'lifeboat';
    const options = {
      ...tls,
      headers,
      handshakeTimeout: spec.timeoutMs,
      maxPayload: spec.maxMessageBytes ?? 1024 * 1024,
      perMessageDeflate: false,
    };
    // Loaded here: only exec (hooks, probes) opens a WebSocket, so other commands never load ws.
    const { default: WebSocketClient } = await import('ws');
    const socket = new WebSocketClient(url, [...spec.protocols], options);
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(transportError(err, this.server));
      socket.once('error', onError);
      socket.once('open', () => {
        socket.off('error', onError);
        resolve(socket);
      });
      socket.once('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          // Aborting a handshake emits an error of its own: the refusal below is the one that counts.
          socket.off('error', onError);
          socket.on('error', () => undefined);
          socket.terminate();
          reject(apiError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), spec, undefined));
        });
      });
    });
  }

  async #options(): Promise<RequestOptions> {
    const tls = this.#connection.tls;
    const options: RequestOptions = {
      agent: this.#agent,
      rejectUnauthorized: tls.rejectUnauthorized,
      headers: {},
    };
    if (tls.ca !== undefined) options.ca = tls.ca;
    if (tls.servername !== undefined) options.servername = tls.servername;
    const authorization = await this.#authorization();
    if (tls.cert !== undefined) options.cert = tls.cert;
    if (tls.key !== undefined) options.key = tls.key;
    if (authorization !== undefined) options.headers = { Authorization: authorization };
    return options;
  }

  /** The Authorization header, re-read every few seconds: token files and plugins rotate credentials. */
  async #authorization(): Promise<string | undefined> {
    if (this.#auth !== undefined && Date.now() - this.#auth.at < 10_000) return this.#auth.value;
    try {
      this.#auth = { value: await this.#connection.authorization(), at: Date.now() };
    } catch (err) {
      if (err instanceof LifeboatError) throw err;
      throw new LifeboatError(
        'CONFIG',
        `cannot get credentials for ${this.server} from ${this.#connection.source}: ${(err as Error).message}`,
        {
          hint: 'check the user entry of the kubeconfig (kubectl config view), e.g. that its token file or plugin works',
          cause: err,
        },
      );
    }
    return this.#auth.value;
  }

  async #once(spec: RequestSpec): Promise<Buffer> {
    const url = new URL(this.server + spec.path);
    for (const [k, v] of Object.entries(spec.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const options = await this.#options();
    const body =
      spec.body === undefined
        ? undefined
        : typeof spec.body === 'string'
          ? spec.body
          : requestJson(spec.body);
    const headers: Record<string, string | number> = nullObject(options.headers as Record<string, string>);
    headers['Accept'] = spec.accept ?? 'application/json';
    headers['User-Agent'] = 'lifeboat';
    if (body !== undefined) {
      headers['Content-Type'] = spec.contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const send = url.protocol === 'https:' ? request : httpRequest;
    const timeoutMs = spec.timeoutMs ?? 60_000;
    return new Promise<Buffer>((resolve, reject) => {
      const req = send(
        url,
        { ...options, method: spec.method ?? 'GET', headers, timeout: timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => reject(transportError(err, this.server)));
          res.on('end', () => {
            // Always a buffer made here, never the socket's own: one kind of Buffer for the code
            // that walks bodies byte by byte (V8 optimizes it for the kinds it has seen).
            const body = Buffer.concat(chunks);
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(body);
            else reject(apiError(status, body.toString('utf8'), spec, res.headers['retry-after']));
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      );
      req.on('error', (err) => reject(transportError(err, this.server)));
      req.end(body);
    });
  }
}

/**
 * A request body as JSON. JSON.stringify runs out of stack on objects nested thousands of levels deep,
 * which the API server accepts (up to ~10,000): those are written by Go's encoder, which has a stack
 * of its own.
 */
function requestJson(body: unknown): string {
  try {
    return JSON.stringify(body);
  } catch (err) {
    if (err instanceof RangeError) return goMarshal(body);
    throw err;
  }
}

function apiError(
  status: number,
  text: string,
  spec: { method?: string; path: string },
  retryAfter: string | string[] | undefined,
): KubeApiError {
  let parsed: StatusBody;
  try {
    parsed = JSON.parse(text) as StatusBody;
  } catch {
    parsed = { message: text.slice(0, 300) };
  }
  const message = `${spec.method ?? 'GET'} ${spec.path}: ${parsed.message ?? `HTTP ${status}`}`;
  const [code, hint] = classify(status);
  const err = new KubeApiError(code, message, status, parsed.reason, hint);
  if (typeof retryAfter === 'string' && /^\d+$/.test(retryAfter)) {
    (err.details as Record<string, unknown>)['retryAfterSeconds'] = Number(retryAfter);
  }
  return err;
}

function classify(status: number): [ErrorCode, string | undefined] {
  if (status === 401)
    return ['UNAUTHENTICATED', 'the cluster rejected the credentials in the kubeconfig; refresh them'];
  if (status === 403)
    return ['FORBIDDEN', 'grant the identity in the kubeconfig the needed RBAC permissions'];
  if (status === 404) return ['NOT_FOUND', undefined];
  if (status === 409) return ['CONFLICT', undefined];
  if (status === 408 || status === 504) return ['TIMEOUT', undefined];
  return ['OPERATION_FAILED', undefined];
}

function transportError(err: Error & { code?: string }, server: string): LifeboatError {
  const code = err.code ?? '';
  if (code === 'ETIMEDOUT') {
    return new LifeboatError('TIMEOUT', `the API server ${server} did not answer in time`, {
      hint: 'check that the cluster is up and reachable',
      cause: err,
      details: { transient: true },
    });
  }
  const tls = /CERT|SSL|TLS|SELF_SIGNED/i.test(code);
  return new LifeboatError('UNREACHABLE', `cannot reach the API server ${server}: ${code || err.message}`, {
    hint: tls
      ? 'the server certificate is not trusted: check certificate-authority in the kubeconfig'
      : 'check that the cluster is up and that --kubeconfig/--context point at it',
    cause: err,
    details: { transient: !tls && code !== 'ENOTFOUND' },
  });
}

/** How long to wait before retrying this error, or undefined when it is not worth retrying. */
function retryDelay(err: unknown, base: number): number | undefined {
  const jitter = (ms: number) => ms / 2 + Math.random() * (ms / 2);
  if (err instanceof KubeApiError) {
    const s = err.status;
    if (s === 429 || s === 500 || s === 502 || s === 503 || s === 504 || s === 408) {
      const after = err.details?.['retryAfterSeconds'];
      return typeof after === 'number' ? Math.min(after * 1000, 30_000) : jitter(base);
    }
    return undefined;
  }
  if (err instanceof LifeboatError && err.details?.['transient'] === true) return jitter(base);
  return undefined;
}
