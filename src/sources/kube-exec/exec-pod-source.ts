import type { DiscoveredPod } from '../../discovery/node-pods.ts';
import { assertAllowedPodCommand, POD_COMMANDS, type PodCommand } from '../pod-commands.ts';
import { classifyPodFailure } from '../pod-failure.ts';
import { type CommandResult, type PodSource, type PodTarget, podTargetOf } from '../pod-source.ts';
import { SourceError } from '../source-error.ts';
import type { ExecRunner } from './exec-runner.ts';
import { ExecStatusError, runExecScript, type ScriptPart } from './exec-script.ts';

/** The runtime's answer when the container has no `sh` to start. */
const NO_SHELL = /executable file not found|no such file or directory/i;

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
      .map(podTargetOf);
  }

  async run(pod: PodTarget, commands: readonly PodCommand[], timeoutMs: number): Promise<CommandResult[]> {
    const t0 = performance.now();
    const seconds = () => (performance.now() - t0) / 1000 / Math.max(1, commands.length);
    const failAll = (error: SourceError) =>
      commands.map((): CommandResult => ({ kind: 'failed', error, durationSeconds: seconds() }));
    for (const c of commands) assertAllowedPodCommand(c);
    const key = `${pod.namespace}/${pod.pod}`;
    if ((this.noShellUntil.get(key) ?? 0) > this.now()) {
      return failAll(
        new SourceError('unsupported', `container ${pod.container} has no /bin/sh for the exec script`),
      );
    }
    if (!pod.container) return failAll(new SourceError('connect', 'no container known to exec into'));
    let parts: ScriptPart[];
    try {
      parts = await runExecScript(
        this.options.runner,
        { namespace: pod.namespace, pod: pod.pod, container: pod.container },
        commands.map(shellLineOf),
        timeoutMs,
      );
    } catch (err) {
      if (err instanceof ExecStatusError && NO_SHELL.test(err.statusMessage)) {
        this.noShellUntil.set(key, this.now() + NO_SHELL_RETRY_MS);
        return failAll(new SourceError('unsupported', `the container has no shell: ${err.statusMessage}`));
      }
      return failAll(err instanceof SourceError ? err : new SourceError('io', String(err)));
    }
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
