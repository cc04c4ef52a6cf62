import { Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import {
  WebSocketHandler,
  type WebSocketInterface,
} from '@kubernetes/client-node/dist/web-socket-handler.js';
import { BoundedOutput, MAX_OUTPUT_BYTES } from '../bounded-output.ts';
import { SourceError } from '../source-error.ts';

export interface ExecRequest {
  namespace: string;
  pod: string;
  container: string;
  command: readonly string[];
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** 0 when the status channel said Success, the ExitCode cause otherwise (null: none given). */
  exitCode: number | null;
  /** The status message on failure (e.g. kubelet's "executable file not found"). */
  message?: string;
}

/** Runs one command in a container through the API server's exec WebSocket (no stdin, no TTY). */
export interface ExecRunner {
  exec(request: ExecRequest, timeoutMs: number): Promise<ExecResult>;
  /** Exec connections opened so far (for the README's request counts and the tests). */
  readonly requests: number;
}

export class KubeExecRunner implements ExecRunner {
  private readonly client: Exec;
  requests = 0;

  constructor(kc: KubeConfig) {
    this.client = new Exec(kc, tolerantHandler(new WebSocketHandler(kc)));
  }

  exec(request: ExecRequest, timeoutMs: number): Promise<ExecResult> {
    this.requests++;
    return new Promise((resolve, reject) => {
      const stdout = new Collector(MAX_OUTPUT_BYTES);
      const stderr = new Collector(64 * 1024);
      let socket: { close(): void; terminate?: () => void } | undefined;
      let done = false;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        fn();
      };
      const where = `${request.namespace}/${request.pod}/${request.container}`;
      const timer = setTimeout(() => {
        finish(() => reject(new SourceError('timeout', `exec in ${where} did not finish`)));
        socket?.terminate?.();
        socket?.close();
      }, timeoutMs);
      stdout.onOverflow = () => {
        finish(() => reject(new SourceError('too-large', `exec output over ${MAX_OUTPUT_BYTES} bytes`)));
        socket?.close();
      };
      const onStatus = (status: V1Status) => {
        finish(() => resolve(resultOf(stdout.text(), stderr.text(), status)));
      };
      this.client
        .exec(
          request.namespace,
          request.pod,
          request.container,
          [...request.command],
          stdout,
          stderr,
          null,
          false,
          onStatus,
        )
        .then((ws) => {
          socket = ws;
          if (done) {
            ws.close();
            return;
          }
          ws.on('close', () => {
            // The status message always comes before the close; a close without one cut the exec short.
            setImmediate(() =>
              finish(() =>
                reject(new SourceError('closed-early', `exec in ${where} closed before its exit status`)),
              ),
            );
          });
        })
        .catch((err: unknown) => finish(() => reject(connectError(where, err))));
    });
  }
}

function resultOf(stdout: string, stderr: string, status: V1Status): ExecResult {
  if (status.status === 'Success') return { stdout, stderr, exitCode: 0 };
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = cause?.message !== undefined ? Number(cause.message) : Number.NaN;
  const result: ExecResult = { stdout, stderr, exitCode: Number.isInteger(code) ? code : null };
  if (status.message) result.message = status.message;
  return result;
}

/** An upgrade refused by the API server (403: RBAC, 404: pod gone) or a connection that failed. */
function connectError(where: string, err: unknown): SourceError {
  const text = err instanceof Error ? err.message : String((err as { message?: unknown })?.message ?? err);
  const status = /Unexpected server response: (\d{3})/.exec(text)?.[1];
  if (status === '403' || status === '401') {
    return new SourceError(
      'forbidden',
      `exec in ${where} refused by the API server (HTTP ${status}): check the pods/exec RBAC`,
    );
  }
  return new SourceError('connect', `exec in ${where} failed: ${text}`);
}

/**
 * The library throws from inside the WebSocket's message event on a channel it does not know, which
 * would end the process; such frames are dropped instead.
 */
function tolerantHandler(inner: WebSocketInterface): WebSocketInterface {
  return {
    connect: (path, textHandler, binaryHandler) =>
      inner.connect(
        path,
        textHandler,
        binaryHandler &&
          ((stream, buff) => {
            if (stream > WebSocketHandler.StatusStream) return true;
            try {
              return binaryHandler(stream, buff);
            } catch {
              return false;
            }
          }),
      ),
  };
}

/** A writable that keeps what it is given, up to a cap. */
class Collector extends Writable {
  private readonly output: BoundedOutput;
  onOverflow?: () => void;

  constructor(cap: number) {
    super();
    this.output = new BoundedOutput(cap);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: () => void): void {
    // Without an overflow handler (stderr) the first `cap` bytes are kept and the rest dropped.
    if (!this.output.append(chunk) && this.onOverflow) {
      this.output.release();
      this.onOverflow();
    }
    callback();
  }

  text(): string {
    return this.output.text();
  }
}
