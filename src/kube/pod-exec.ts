import type WebSocket from 'ws';
import { LifeboatError } from '../errors/index.ts';
import type { KubeClient } from './client.ts';

/**
 * Runs a command in a pod's container through the API server's pods/exec over WebSocket, with
 * Kubernetes' `v4.channel.k8s.io` protocol (binary messages whose first byte is the channel: 1
 * stdout, 2 stderr, 3 the exit status as a metav1.Status). No stdin, no TTY: what Velero's hook
 * executor asks for. The API server dials the pod's kubelet to run it.
 */
export interface ExecTarget {
  namespace: string;
  pod: string;
  container: string;
  command: readonly string[];
}

export interface ExecResult {
  /** 0 on success; the command's exit code otherwise. */
  exitCode: number;
  /** The last bytes of each stream (at most `outputBytes`), as text. */
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  timeoutMs: number;
  /** How much of each stream is kept (its end); default 4 KiB. */
  outputBytes?: number;
}

const PROTOCOL = 'v4.channel.k8s.io';

/**
 * Resolves with the exit code once the command has ended. Throws a LifeboatError when the exec
 * cannot start (no such pod or container, the API server cannot reach the kubelet) or does not
 * end within the timeout (TIMEOUT: the command may go on running in the container, as Velero notes).
 */
export async function execInPod(
  client: KubeClient,
  target: ExecTarget,
  options: ExecOptions,
): Promise<ExecResult> {
  const query = new URLSearchParams();
  for (const arg of target.command) query.append('command', arg);
  query.set('container', target.container);
  query.set('stdout', 'true');
  query.set('stderr', 'true');
  const path = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/exec`;
  const started = Date.now();
  const socket = await client.webSocket({
    path,
    query,
    protocols: [PROTOCOL],
    timeoutMs: options.timeoutMs,
  });
  if (socket.protocol !== PROTOCOL) {
    const protocol = socket.protocol;
    socket.terminate();
    throw new LifeboatError(
      'OPERATION_FAILED',
      `the API server answered exec with protocol ${protocol === '' ? 'none' : protocol}`,
      {
        hint: `lifeboat speaks ${PROTOCOL} (Kubernetes 1.4 and later)`,
      },
    );
  }
  const remaining = Math.max(1, options.timeoutMs - (Date.now() - started));
  return readStreams(socket, { remaining, total: options.timeoutMs }, options.outputBytes ?? 4096, target);
}

/** A message's bytes, however ws delivered them. */
function bytesOf(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function readStreams(
  socket: WebSocket,
  timeout: { remaining: number; total: number },
  outputBytes: number,
  target: ExecTarget,
): Promise<ExecResult> {
  const stdout = new Tail(outputBytes);
  const stderr = new Tail(outputBytes);
  let status: Buffer | undefined;
  return new Promise<ExecResult>((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.terminate();
      if (err !== undefined) reject(err);
      else {
        try {
          resolve({ exitCode: exitCode(status, target), stdout: stdout.text(), stderr: stderr.text() });
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      }
    };
    const timer = setTimeout(() => {
      finish(
        new LifeboatError('TIMEOUT', `timed out after ${formatSeconds(timeout.total)}`, {
          hint: 'the command may still run in the container; make it quicker or raise the hook timeout',
        }),
      );
    }, timeout.remaining);
    // v4.channel.k8s.io: binary messages whose first byte is the channel (1 stdout, 2 stderr, 3 status).
    socket.on('message', (data, isBinary) => {
      if (!isBinary) return;
      const message = bytesOf(data);
      if (message.length === 0) return;
      const body = message.subarray(1);
      if (message[0] === 1) stdout.push(body);
      else if (message[0] === 2) stderr.push(body);
      else if (message[0] === 3)
        status = Buffer.concat([status ?? Buffer.alloc(0), body]).subarray(0, 65_536);
    });
    socket.on('close', () => finish(undefined));
    socket.on('error', (err) =>
      finish(new LifeboatError('UNREACHABLE', `exec stream broke: ${err.message}`, { cause: err })),
    );
  });
}

interface StatusBody {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/** The exit code a v4 status says: Success is 0, NonZeroExitCode carries it as a cause. */
function exitCode(status: Buffer | undefined, target: ExecTarget): number {
  if (status === undefined)
    throw new LifeboatError('OPERATION_FAILED', 'the exec stream ended without an exit status', {
      hint: `check that container ${target.container} of pod ${target.namespace}/${target.pod} is running`,
    });
  let parsed: StatusBody;
  try {
    parsed = JSON.parse(status.toString('utf8')) as StatusBody;
  } catch {
    throw new LifeboatError('OPERATION_FAILED', 'the exec status is not JSON');
  }
  if (parsed.status === 'Success') return 0;
  const cause = parsed.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  if (parsed.reason === 'NonZeroExitCode' && Number.isInteger(code)) return code;
  throw new LifeboatError('OPERATION_FAILED', clip(parsed.message ?? 'the command could not run', 500), {
    hint: `check the command and that container ${target.container} of pod ${target.namespace}/${target.pod} has it`,
  });
}

/** The last `limit` bytes of a stream. */
class Tail {
  #chunks: Buffer[] = [];
  #bytes = 0;
  readonly #limit: number;
  constructor(limit: number) {
    this.#limit = limit;
  }
  push(chunk: Buffer) {
    this.#chunks.push(Buffer.from(chunk));
    this.#bytes += chunk.length;
    while (this.#bytes - (this.#chunks[0]?.length ?? 0) >= this.#limit && this.#chunks.length > 1) {
      this.#bytes -= this.#chunks.shift()?.length ?? 0;
    }
  }
  text(): string {
    const all = Buffer.concat(this.#chunks);
    return all.subarray(Math.max(0, all.length - this.#limit)).toString('utf8');
  }
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
