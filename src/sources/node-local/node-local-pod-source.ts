import type { DiscoveredPod } from '../../discovery/node-pods.ts';
import { NetnsPodSource } from '../netns.ts';
import type { PodCommand } from '../pod-commands.ts';
import { type CommandResult, type PodSource, type PodTarget, podTargetOf } from '../pod-source.ts';
import { SourceError } from '../source-error.ts';
import type { PodProcessFinder } from './pod-processes.ts';

/**
 * Reads Meridio pods from the node: each pod's network namespace is `/proc/<pid>/ns/net` of one of
 * its processes (found by pod UID), entered by the agent's own iproute2 like the netns source
 * (needs hostPID and CAP_SYS_ADMIN). The pod's image does not matter.
 */
export class NodeLocalPodSource implements PodSource {
  readonly kind = 'node-local';
  private readonly netns: NetnsPodSource;

  constructor(
    private readonly finder: PodProcessFinder,
    private readonly pods: () => readonly DiscoveredPod[],
    private readonly procRoot = '/proc',
    tools: { nsenter?: string; ip?: string; bridge?: string } = {},
  ) {
    this.netns = new NetnsPodSource({ pods: [], ...tools });
  }

  async listPods(): Promise<PodTarget[]> {
    const pods = this.pods();
    this.finder.retain(new Set(pods.map((p) => p.uid)));
    const targets = pods
      .filter((p) => p.role !== 'forwarder')
      .map((p) => {
        const target = podTargetOf(p);
        const pid = this.finder.anyProcess(p.uid);
        if (pid !== undefined) target.netns = `${this.procRoot}/${pid}/ns/net`;
        return target;
      });
    // Namespaces of pods gone, or of a process that is no longer the pod's, are let go.
    this.netns.retain(new Set(targets.flatMap((t) => (t.netns ? [t.netns] : []))));
    return targets;
  }

  close(): void {
    this.netns.close();
  }

  netnsInode(pod: PodTarget): Promise<number | undefined> {
    return this.netns.netnsInode(pod);
  }

  async run(pod: PodTarget, commands: readonly PodCommand[], timeoutMs: number): Promise<CommandResult[]> {
    if (!pod.netns) {
      const error = new SourceError(
        'connect',
        `no process of ${pod.namespace}/${pod.pod} in ${this.procRoot} (is the agent running with hostPID?)`,
      );
      return commands.map(() => ({ kind: 'failed', error, durationSeconds: 0 }));
    }
    return this.netns.run(pod, commands, timeoutMs);
  }
}
