import type { CommandResult, PodTarget } from './pod-source.ts';
import { SourceError } from './source-error.ts';
import type { VppCommand } from './vpp-commands.ts';

/** The result of asking a source for a command: its text, or that the source has no record of it. */
export type CommandOutput = { kind: 'text'; text: string } | { kind: 'not-recorded' };

/**
 * One way of reading VPP: run one allowlisted command within a deadline and return its text. Failures
 * reject with a SourceError.
 */
export interface VppSource {
  /** `vpp-cli-socket` or `replay`: shown in logs and the build info. */
  readonly kind: string;
  /** Where it reads from (socket path, directory), for log lines. */
  readonly location: string;
  run(command: VppCommand, timeoutMs: number): Promise<CommandOutput>;
  /** The forwarder pod read now, when the source finds it itself (cluster modes). */
  readonly forwarder?: string;
  /**
   * Sources where each round trip is expensive (kube-exec) run the commands a cycle needs at once;
   * `run` then answers from that batch.
   */
  prefetch?(commands: readonly VppCommand[], timeoutMs: number): Promise<void>;
  /**
   * Network namespace inodes of taps' `host-ns` paths as VPP sees them, for sources that can look
   * (node-local: inside VPP's container; a socket on the host: named namespaces). Never rejects.
   */
  resolveHostNs?(paths: readonly string[], timeoutMs: number): Promise<ReadonlyMap<string, number>>;
  /**
   * The VPP process behind this source when it runs on this host and is visible here (its stats
   * segment can then be read); undefined when not (exec, replays, another PID namespace).
   */
  vppPid?(): number | undefined;
  /**
   * Where VPP's own network namespace can be read from, as a pod source takes it: its process's
   * `/proc/<pid>/ns/net`, or the forwarder pod to exec into. Undefined while it cannot be told.
   */
  vppNamespace?(): PodTarget | undefined;
}

/** VPP's namespace by its process: `/proc/<pid>/ns/net`, for the netns source. */
export function namespaceOfPid(pid: number | undefined): PodTarget | undefined {
  return pid === undefined
    ? undefined
    : { namespace: '', pod: `vpp_main ${pid}`, netns: `/proc/${pid}/ns/net` };
}

/**
 * One VPP command as a result that never rejects, the form every command has in a cycle (pod sources
 * answer in it already): a VPP source's rejection becomes a failed result.
 */
export async function runVppCommand(
  source: VppSource,
  command: VppCommand,
  timeoutMs: number,
): Promise<CommandResult> {
  const t0 = performance.now();
  const seconds = () => (performance.now() - t0) / 1000;
  try {
    const out = await source.run(command, timeoutMs);
    return out.kind === 'text' ? { kind: 'text', text: out.text, durationSeconds: seconds() } : out;
  } catch (err) {
    const error = err instanceof SourceError ? err : new SourceError('io', String(err));
    return { kind: 'failed', error, durationSeconds: seconds() };
  }
}
