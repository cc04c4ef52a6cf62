import { type ChildProcess, spawn } from 'node:child_process';
import { MAX_OUTPUT_BYTES } from './bounded-output.ts';
import { SourceError } from './source-error.ts';

/** What one request of a batch got: an output line per command that ran, and why the rest did not. */
export interface BatchAnswer {
  /** One line (a JSON document) per command, from the first, for those that ran. */
  lines: string[];
  /**
   * The process exited before answering everything. `commandFailed`: iproute2 named the command at
   * `lines.length` as failed (`Command failed -:N`); otherwise it never got that far (nsenter could
   * not enter the namespace, the tool is missing).
   */
  exited?: { stderr: string; code: number | null; commandFailed: boolean };
  /** The commands from `lines.length` on got no answer for this reason (timeout, output cap, spawn). */
  error?: SourceError;
}

/**
 * One kept-open `ip -json … -batch -` (or `bridge`) process in a network namespace, fed one line per
 * command and answering one JSON document per line. Starting nsenter and iproute2 for every pod and
 * cycle was almost all that reading a pod cost a node (`npm run bench -- cost`); a kept-open process
 * answers the same commands with the same output for the price of the netlink dumps themselves.
 * iproute2 stops at the first failing line (`Command failed -:N`) and exits: that command failed, the
 * next request starts a new process. A deadline or an output over the cap kills it the same way.
 */
export class BatchReader {
  private child?: ChildProcess;
  /** Lines written to the current process, to place its `-:N` (counted from its first line). */
  private linesWritten = 0;
  private pending?: {
    firstLine: number;
    want: number;
    lines: string[];
    /** The line being received, and the bytes of this request so far (capped). */
    partial: Buffer[];
    bytes: number;
    stderr: Buffer[];
    finish: (answer: BatchAnswer) => void;
  };
  private closed = false;
  /** Requests wait for the one before (two pods listed with one namespace path share a reader). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly args: readonly string[],
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** The process's pid while it runs (tests). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Write `commands` (one per line) and collect a line of output for each, within `timeoutMs`. */
  run(commands: readonly string[], timeoutMs: number): Promise<BatchAnswer> {
    const deadline = performance.now() + timeoutMs;
    const answer = this.queue.then(() => this.request(commands, deadline - performance.now()));
    this.queue = answer.catch(() => {});
    return answer;
  }

  private request(commands: readonly string[], timeoutMs: number): Promise<BatchAnswer> {
    if (this.closed)
      return Promise.resolve({ lines: [], error: new SourceError('io', 'the reader is closed') });
    if (timeoutMs <= 0) {
      return Promise.resolve({
        lines: [],
        error: new SourceError('timeout', 'the deadline passed before this ran'),
      });
    }
    const child = this.child ?? this.start();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.kill();
        finish({
          lines: [...pending.lines],
          error: new SourceError('timeout', `${this.describe()} did not answer`),
        });
      }, timeoutMs);
      const finish = (answer: BatchAnswer) => {
        if (this.pending !== pending) return;
        clearTimeout(timer);
        this.pending = undefined;
        resolve(answer);
      };
      const pending = {
        firstLine: this.linesWritten,
        want: commands.length,
        lines: [] as string[],
        partial: [] as Buffer[],
        bytes: 0,
        stderr: [] as Buffer[],
        finish,
      };
      this.pending = pending;
      this.linesWritten += commands.length;
      child.stdin?.write(commands.map((c) => `${c}\n`).join(''));
    });
  }

  /** Stop the process (the namespace is no longer held by it); a request under way fails at once. */
  close(): void {
    this.closed = true;
    this.kill();
    const p = this.pending;
    p?.finish({ lines: [...p.lines], error: new SourceError('io', 'the reader was closed') });
  }

  private describe(): string {
    return `${this.file} ${this.args.join(' ')}`;
  }

  private start(): ChildProcess {
    const child = spawn(this.file, [...this.args], { stdio: ['pipe', 'pipe', 'pipe'], env: this.env });
    this.child = child;
    this.linesWritten = 0;
    // A reader nobody closed must not keep the agent (or a test) running; iproute2 exits at end of input.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) {
      (stream as unknown as { unref?: () => void } | null)?.unref?.();
    }
    child.stdout?.on('data', (d: Buffer) => this.onStdout(child, d));
    child.stderr?.on('data', (d: Buffer) => {
      const p = this.pending;
      if (p && this.child === child && p.stderr.length < 64) p.stderr.push(d);
    });
    child.stdin?.on('error', () => {
      // The process exited before reading its input; its exit says why.
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (this.child !== child) return;
      this.child = undefined;
      const why = err.code === 'ENOENT' ? 'not installed' : err.message;
      this.pending?.finish({
        lines: [...(this.pending?.lines ?? [])],
        error: new SourceError('io', `cannot run ${this.file}: ${why}`),
      });
    });
    // 'close', not 'exit': only then has all of the process's output been read.
    child.on('close', (code) => {
      if (this.child !== child) return;
      this.child = undefined;
      const p = this.pending;
      if (!p) return;
      const stderr = Buffer.concat(p.stderr).toString('utf8');
      const at = /Command failed -:(\d+)/.exec(stderr);
      const commandFailed = at !== null && Number(at[1]) - 1 - p.firstLine === p.lines.length;
      p.finish({ lines: [...p.lines], exited: { stderr, code, commandFailed } });
    });
    return child;
  }

  private onStdout(child: ChildProcess, data: Buffer): void {
    // Late output of a process already replaced or killed: nothing to do with the current one.
    if (this.child !== child) return;
    const p = this.pending;
    if (!p) {
      // Output nobody asked for: the process is out of step; a fresh one is safer.
      this.kill();
      return;
    }
    p.bytes += data.length;
    if (p.bytes > MAX_OUTPUT_BYTES) {
      this.kill();
      p.finish({
        lines: [...p.lines],
        error: new SourceError('too-large', `output over ${MAX_OUTPUT_BYTES} bytes`),
      });
      return;
    }
    let rest = data;
    for (;;) {
      const nl = rest.indexOf(10);
      if (nl < 0) break;
      p.partial.push(rest.subarray(0, nl));
      p.lines.push(Buffer.concat(p.partial).toString('utf8'));
      p.partial = [];
      rest = rest.subarray(nl + 1);
      if (p.lines.length === p.want) {
        // More than was asked for: the process is out of step with us; the next request starts anew.
        if (rest.length > 0) this.kill();
        p.finish({ lines: [...p.lines] });
        return;
      }
    }
    if (rest.length > 0) p.partial.push(rest);
  }

  private kill(): void {
    const child = this.child;
    this.child = undefined;
    child?.kill('SIGKILL');
  }
}
