import type { PodCommand } from '../../src/sources/pod-commands.ts';
import type { CommandResult, PodSource, PodTarget } from '../../src/sources/pod-source.ts';
import { SourceError, type SourceFailure } from '../../src/sources/source-error.ts';

/** Pods whose answers a test sets per pod and command id: text, a failure reason, or nothing recorded. */
export class MemoryPodSource implements PodSource {
  readonly kind = 'memory';
  pods: PodTarget[] = [];
  readonly answers = new Map<string, Map<string, string | { fail: SourceFailure }>>();
  readonly calls: string[] = [];

  set(pod: string, command: string, answer: string | { fail: SourceFailure }): void {
    const m = this.answers.get(pod) ?? new Map();
    m.set(command, answer);
    this.answers.set(pod, m);
  }

  async listPods(): Promise<PodTarget[]> {
    return this.pods;
  }

  async run(pod: PodTarget, commands: readonly PodCommand[]): Promise<CommandResult[]> {
    return commands.map((c) => {
      this.calls.push(`${pod.pod}: ${c.id}`);
      const a = this.answers.get(pod.pod)?.get(c.id);
      if (a === undefined) return { kind: 'not-recorded' };
      if (typeof a === 'string') return { kind: 'text', text: a, durationSeconds: 0.001 };
      return {
        kind: 'failed',
        error: new SourceError(a.fail, `simulated ${a.fail}`),
        durationSeconds: 0.001,
      };
    });
  }
}
