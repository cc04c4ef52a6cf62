import { spawn } from 'node:child_process';
import { type BatchAnswer, BatchReader } from './batch-reader.ts';
import { BoundedOutput } from './bounded-output.ts';
import { netnsInode } from './netns-inode.ts';
import type { PodCommand } from './pod-commands.ts';
import { assertAllowedPodCommand } from './pod-commands.ts';
import { classifyPodFailure } from './pod-failure.ts';
import type { CommandResult, PodSource, PodTarget } from './pod-source.ts';
import { SourceError } from './source-error.ts';

/** Namespace paths the agent accepts: a process's netns (hostPID) or a named netns of iproute2. */
const NETNS_PATH =
  /^(\/proc\/[1-9][0-9]{0,9}\/ns\/net|\/(var\/)?run\/netns\/[A-Za-z0-9_][A-Za-z0-9._-]{0,254})$/;

export function isNetnsPath(path: string): boolean {
  return NETNS_PATH.test(path) && !path.includes('..');
}

/** Cap on one process's output: a pod's full `ip -json` dump is far below this. */

export interface NetnsOptions {
  pods: readonly PodTarget[];
  /** The programs to run; tests may point them elsewhere. */
  nsenter?: string;
  ip?: string;
  bridge?: string;
  /**
   * Keep one `-batch` process per namespace and option set open between cycles (default). Off for
   * reads rare enough that a process each time costs nothing worth keeping one for.
   */
  keepOpen?: boolean;
}

/** `"ifindex":N,"ifname":"X"` of `ip -json link show`: which names iproute2's index cache may hold. */
const LINK_NAME = /"ifindex":(\d+),"ifname":"((?:[^"\\]|\\.)*)"/g;

/** The (index, name) pairs of a link dump, as one string to compare. */
function linkNames(output: string): string {
  return [...output.matchAll(LINK_NAME)].map((m) => `${m[1]}=${m[2]}`).join(',');
}

interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: SourceError;
}

/**
 * Runs the fixed `ip`/`bridge` commands inside a pod's network namespace, entered with `nsenter
 * --net=<path>` (no shell: argv only). The agent's own iproute2 does the work, so the pod's image does
 * not matter. JSON commands that share their options go to one `ip -batch -` process per namespace,
 * kept open from cycle to cycle (see BatchReader). iproute2 caches interface names by index for the
 * life of a process, so when a namespace's interfaces change (added, removed, renamed) its processes
 * are replaced before anything else is read. A namespace's processes are stopped as soon as its path
 * no longer leads to it (the pod is gone) or it is no longer listed, so the agent never keeps a
 * deleted pod's namespace alive for longer than a cycle.
 */
export class NetnsPodSource implements PodSource {
  readonly kind = 'netns';
  private readonly pods: readonly PodTarget[];
  /** Kept-open readers by namespace path, then by option set. */
  private readonly readers = new Map<string, Map<string, BatchReader>>();
  /** The link names each namespace's readers started with. */
  private readonly linkNamesOf = new Map<string, string>();
  /** The namespace each path led to when its readers started. */
  private readonly inodeOf = new Map<string, number>();

  constructor(private readonly options: NetnsOptions) {
    for (const p of options.pods) {
      if (!p.netns || !isNetnsPath(p.netns)) {
        throw new Error(`${p.namespace}/${p.pod}: invalid network namespace path ${JSON.stringify(p.netns)}`);
      }
    }
    this.pods = options.pods;
  }

  async listPods(): Promise<PodTarget[]> {
    return [...this.pods];
  }

  /** Stop the readers of every namespace not in `paths` (pods gone or moved to a new process). */
  retain(paths: ReadonlySet<string>): void {
    for (const path of [...this.readers.keys()]) if (!paths.has(path)) this.closeNamespace(path);
  }

  /** Stop every kept-open process. */
  close(): void {
    for (const path of [...this.readers.keys()]) this.closeNamespace(path);
  }

  async netnsInode(pod: PodTarget): Promise<number | undefined> {
    if (!pod.netns || !isNetnsPath(pod.netns)) return undefined;
    const inode = await netnsInode(pod.netns);
    // The path leads nowhere (the pod's process is gone) or to another namespace (made anew under the
    // same name): the readers' namespace is not the pod's any more, and is not held a moment longer.
    const before = this.inodeOf.get(pod.netns);
    if (inode === undefined || (before !== undefined && before !== inode)) this.closeNamespace(pod.netns);
    if (inode !== undefined) this.inodeOf.set(pod.netns, inode);
    return inode;
  }

  private closeNamespace(path: string): void {
    for (const reader of this.readers.get(path)?.values() ?? []) reader.close();
    this.readers.delete(path);
    this.linkNamesOf.delete(path);
    this.inodeOf.delete(path);
  }

  private reader(path: string, key: string, argv: readonly string[]): BatchReader {
    let byKey = this.readers.get(path);
    if (!byKey) {
      byKey = new Map();
      this.readers.set(path, byKey);
    }
    let reader = byKey.get(key);
    if (!reader) {
      reader = new BatchReader(
        this.options.nsenter ?? 'nsenter',
        [`--net=${path}`, '--', ...argv],
        processEnv(),
      );
      byKey.set(key, reader);
    }
    return reader;
  }

  async run(pod: PodTarget, commands: readonly PodCommand[], timeoutMs: number): Promise<CommandResult[]> {
    if (!pod.netns || !isNetnsPath(pod.netns)) {
      const error = new SourceError('connect', `invalid network namespace path ${JSON.stringify(pod.netns)}`);
      return commands.map(() => ({ kind: 'failed', error, durationSeconds: 0 }));
    }
    const deadline = performance.now() + timeoutMs;
    const results = new Map<PodCommand, CommandResult>();
    const groups = new Map<string, PodCommand[]>();
    for (const c of commands) {
      assertAllowedPodCommand(c);
      if (c.tool === 'cat' && c.args.some((a) => a.includes('*'))) {
        // A glob needs a shell, and /sys seen from the node is not the pod's: not available here.
        results.set(c, {
          kind: 'failed',
          error: new SourceError('unsupported', 'the netns source cannot read /sys/class/net of a pod'),
          durationSeconds: 0,
        });
        continue;
      }
      const key = c.tool === 'cat' ? `cat ${c.id}` : `${c.tool} ${c.options.join(' ')}`;
      groups.set(key, [...(groups.get(key) ?? []), c]);
    }
    for (const group of groups.values()) {
      for (const [c, r] of await this.runGroup(pod, group, deadline)) results.set(c, r);
    }
    return commands.map((c) => results.get(c) as CommandResult);
  }

  /**
   * A group on the namespace's kept-open process. A link dump whose names differ from those the
   * processes started with replaces them all and is read again, so no output carries a stale name.
   */
  private async runKeptOpen(
    pod: PodTarget,
    group: readonly PodCommand[],
    deadline: number,
  ): Promise<Map<PodCommand, CommandResult>> {
    const path = pod.netns as string;
    const first = group[0] as PodCommand;
    const tool = first.tool === 'ip' ? (this.options.ip ?? 'ip') : (this.options.bridge ?? 'bridge');
    const key = `${first.tool} ${first.options.join(' ')}`;
    const lines = group.map((c) => c.args.join(' '));
    const ask = async (): Promise<{ answer: BatchAnswer; seconds: number }> => {
      const t0 = performance.now();
      const reader = this.reader(path, key, [tool, ...first.options, '-batch', '-']);
      const answer = await reader.run(lines, Math.max(1, deadline - performance.now()));
      return { answer, seconds: (performance.now() - t0) / 1000 / group.length };
    };
    let { answer, seconds } = await ask();
    const linkDump = group.findIndex((c) => c.args.join(' ') === 'link show' && c.options.includes('-json'));
    if (linkDump >= 0 && answer.lines[linkDump] !== undefined) {
      const names = linkNames(answer.lines[linkDump] as string);
      const before = this.linkNamesOf.get(path);
      if (before !== undefined && before !== names) {
        this.closeNamespace(path);
        ({ answer, seconds } = await ask());
      }
      const now = answer.lines[linkDump];
      if (now !== undefined) this.linkNamesOf.set(path, linkNames(now));
    }
    const out = new Map<PodCommand, CommandResult>();
    group.forEach((c, i) => {
      const line = answer.lines[i];
      if (line !== undefined) out.set(c, { kind: 'text', text: `${line}\n`, durationSeconds: seconds });
      else if (answer.exited && (!answer.exited.commandFailed || i === answer.lines.length)) {
        out.set(c, {
          kind: 'failed',
          error: classifyPodFailure(answer.exited.stderr, answer.exited.code),
          durationSeconds: seconds,
        });
      } else {
        const error =
          answer.error ?? new SourceError('io', 'not run: an earlier command of its batch failed');
        out.set(c, { kind: 'failed', error, durationSeconds: seconds });
      }
    });
    // Commands after a failed one were never run: ask again, on a new process.
    const rest =
      answer.exited?.commandFailed && deadline > performance.now()
        ? group.slice(answer.lines.length + 1)
        : [];
    if (rest.length > 0) for (const [c, r] of await this.runKeptOpen(pod, rest, deadline)) out.set(c, r);
    return out;
  }

  /** Run commands with the same tool and options: `cat` alone, the others as one batch. */
  private async runGroup(
    pod: PodTarget,
    group: readonly PodCommand[],
    deadline: number,
  ): Promise<Map<PodCommand, CommandResult>> {
    const out = new Map<PodCommand, CommandResult>();
    const first = group[0] as PodCommand;
    const t0 = performance.now();
    const seconds = () => (performance.now() - t0) / 1000 / group.length;
    const remaining = deadline - performance.now();
    if (remaining <= 0) {
      const error = new SourceError('timeout', 'the pod deadline passed before this command ran');
      for (const c of group) out.set(c, { kind: 'failed', error, durationSeconds: 0 });
      return out;
    }
    if (first.tool !== 'cat' && first.options.includes('-json') && this.options.keepOpen !== false) {
      return this.runKeptOpen(pod, group, deadline);
    }
    const tool =
      first.tool === 'ip'
        ? (this.options.ip ?? 'ip')
        : first.tool === 'bridge'
          ? (this.options.bridge ?? 'bridge')
          : 'cat';
    const argv = first.tool === 'cat' ? [tool, ...first.args] : [tool, ...first.options, '-batch', '-'];
    const stdin = first.tool === 'cat' ? '' : group.map((c) => `${c.args.join(' ')}\n`).join('');
    const res = await runProcess(
      this.options.nsenter ?? 'nsenter',
      [`--net=${pod.netns}`, '--', ...argv],
      stdin,
      remaining,
    );
    if (res.error) {
      for (const c of group) out.set(c, { kind: 'failed', error: res.error, durationSeconds: seconds() });
      return out;
    }
    if (first.tool === 'cat') {
      out.set(
        first,
        res.code === 0
          ? { kind: 'text', text: res.stdout, durationSeconds: seconds() }
          : { kind: 'failed', error: classifyPodFailure(res.stderr, res.code), durationSeconds: seconds() },
      );
      return out;
    }
    // `-batch` stops at the first failing line and names it (`Command failed -:N`); every earlier line
    // printed exactly one JSON document per line.
    const failedAt = /Command failed -:(\d+)/.exec(res.stderr);
    const okCount = res.code === 0 ? group.length : failedAt ? Number(failedAt[1]) - 1 : 0;
    const lines = res.stdout.split('\n').filter((l) => l !== '');
    if (lines.length < okCount || (res.code === 0 && lines.length !== group.length)) {
      const error = new SourceError(
        'io',
        `batch output has ${lines.length} documents for ${group.length} commands`,
      );
      for (const c of group) out.set(c, { kind: 'failed', error, durationSeconds: seconds() });
      return out;
    }
    for (let i = 0; i < okCount; i++) {
      out.set(group[i] as PodCommand, { kind: 'text', text: `${lines[i]}\n`, durationSeconds: seconds() });
    }
    if (okCount < group.length) {
      const failed = group[okCount] as PodCommand;
      out.set(failed, {
        kind: 'failed',
        error: classifyPodFailure(res.stderr, res.code),
        durationSeconds: seconds(),
      });
      const rest = group.slice(okCount + 1);
      if (rest.length > 0) for (const [c, r] of await this.runGroup(pod, rest, deadline)) out.set(c, r);
    }
    return out;
  }
}

/** What the commands run with: C messages (their errors are classified by text) and the agent's PATH. */
function processEnv(): NodeJS.ProcessEnv {
  return { LC_ALL: 'C', PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' };
}

/** Spawn without a shell, feed stdin, collect output up to a cap, kill at the deadline. */
function runProcess(file: string, args: string[], stdin: string, timeoutMs: number): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const stdout = new BoundedOutput();
    const stderr: Buffer[] = [];
    let done = false;
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env: processEnv() });
    const finish = (result: ProcessResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stdout.release();
      resolve(result);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({
        code: null,
        stdout: '',
        stderr: '',
        error: new SourceError('timeout', `${file} ${args.join(' ')} did not finish`),
      });
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      if (!stdout.append(d)) {
        child.kill('SIGKILL');
        finish({
          code: null,
          stdout: '',
          stderr: '',
          error: new SourceError('too-large', `output over ${stdout.cap} bytes`),
        });
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 64) stderr.push(d);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      finish({
        code: null,
        stdout: '',
        stderr: '',
        error: new SourceError(
          'io',
          `cannot run ${file}: ${err.code === 'ENOENT' ? 'not installed' : err.message}`,
        ),
      });
    });
    child.on('close', (code) => {
      finish({
        code,
        stdout: stdout.text(),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
    child.stdin.on('error', () => {
      // The process exited before reading all of stdin; its exit status tells what happened.
    });
    child.stdin.end(stdin);
  });
}
