import type { DiscoveredPod } from '../../discovery/node-pods.ts';
import { assertAllowedPodCommand, POD_COMMANDS, type PodCommand } from '../pod-commands.ts';
import { classifyPodFailure } from '../pod-failure.ts';
import type { PodCommandResult, PodSource, PodTarget } from '../pod-source.ts';
import { SourceError } from '../source-error.ts';
import type { ExecRunner } from './exec-runner.ts';
import { buildScript, splitScriptOutput } from './exec-script.ts';

/** A pod whose container has no shell is not asked again for this long. */
const NO_SHELL_RETRY_MS = 10 * 60_000;

export interface ExecPodSourceOptions {
  runner: ExecRunner;
  /** This node's path pods, from discovery. */
  pods: () => readonly DiscoveredPod[];
  now?: () => number;
}

/**
 * Reads Meridio pods through the API server's exec: one exec per pod and cycle, running the fixed
 * script of the pod's output form in the container discovery chose (Meridio's images ship iproute2
 * and a shell). A form that fails for lack of a tool falls back in the same cycle (PodCollection).
 */
export class ExecPodSource implements PodSource {
  readonly kind = 'kube-exec';
  private readonly noShellUntil = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: ExecPodSourceOptions) {
    this.now = options.now ?? Date.now;
  }

  async listPods(): Promise<PodTarget[]> {
    return this.options
      .pods()
      .filter((p) => p.role !== 'forwarder')
      .map(targetOf);
  }

  async run(pod: PodTarget, commands: readonly PodCommand[], timeoutMs: number): Promise<PodCommandResult[]> {
    const t0 = performance.now();
    const seconds = () => (performance.now() - t0) / 1000 / Math.max(1, commands.length);
    const failAll = (error: SourceError) =>
      commands.map((): PodCommandResult => ({ kind: 'failed', error, durationSeconds: seconds() }));
    for (const c of commands) assertAllowedPodCommand(c);
    const key = `${pod.namespace}/${pod.pod}`;
    if ((this.noShellUntil.get(key) ?? 0) > this.now()) {
      return failAll(
        new SourceError('unsupported', `container ${pod.container} has no /bin/sh for the exec script`),
      );
    }
    if (!pod.container) return failAll(new SourceError('connect', 'no container known to exec into'));
    let result: Awaited<ReturnType<ExecRunner['exec']>>;
    try {
      result = await this.options.runner.exec(
        {
          namespace: pod.namespace,
          pod: pod.pod,
          container: pod.container,
          command: ['sh', '-c', buildScript(commands.map(shellLineOf))],
        },
        timeoutMs,
      );
    } catch (err) {
      return failAll(err instanceof SourceError ? err : new SourceError('io', String(err)));
    }
    if (result.exitCode !== 0) {
      const message = result.message ?? `exit status ${result.exitCode}`;
      if (/executable file not found|no such file or directory/i.test(message)) {
        this.noShellUntil.set(key, this.now() + NO_SHELL_RETRY_MS);
        return failAll(new SourceError('unsupported', `the container has no shell: ${message}`));
      }
      return failAll(new SourceError('command-error', message.slice(0, 300)));
    }
    const parts = splitScriptOutput(result.stdout, result.stderr, commands.length);
    if (typeof parts === 'string') return failAll(new SourceError('closed-early', parts));
    this.noShellUntil.delete(key);
    return parts.map((part) =>
      part.exitCode === 0
        ? { kind: 'text', text: part.stdout, durationSeconds: seconds() }
        : {
            kind: 'failed',
            error: classifyPodFailure(part.stderr, part.exitCode),
            durationSeconds: seconds(),
          },
    );
  }
}

/** The shell line of an allowlisted command: the command itself, except that a glob needs names kept. */
export function shellLineOf(command: PodCommand): string {
  if (command === POD_COMMANDS.sysClassNetAddress) return 'grep -H . /sys/class/net/*/address';
  return command.id;
}

export function targetOf(p: DiscoveredPod): PodTarget {
  const t: PodTarget = { namespace: p.namespace, pod: p.pod, role: p.role, container: p.container };
  if (p.trench) t.trench = p.trench;
  if (p.conduit) t.conduit = p.conduit;
  if (p.attractor) t.attractor = p.attractor;
  return t;
}
