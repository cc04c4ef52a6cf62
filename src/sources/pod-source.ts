import type { DiscoveredPod } from '../discovery/node-pods.ts';
import type { PodCommand } from './pod-commands.ts';
import type { SourceError } from './source-error.ts';

/** A Meridio pod to read, and what is known about it. */
export interface PodTarget {
  namespace: string;
  pod: string;
  /** proxy, stateless-lb-frontend, target… when known (discovery, replay's pod.json, configuration). */
  role?: string;
  trench?: string;
  conduit?: string;
  attractor?: string;
  /** The container to exec into, for the kube-exec source. */
  container?: string;
  /** Network namespace path, for the netns source. */
  netns?: string;
}

export type CommandResult =
  | { kind: 'text'; text: string; durationSeconds: number }
  | { kind: 'not-recorded' }
  | { kind: 'failed'; error: SourceError; durationSeconds: number };

/**
 * One way of reading Meridio pods: run a set of allowlisted commands in one pod within a deadline
 * (a source may batch them, e.g. one `ip -batch` process per option set), and list the pods to read.
 */
export interface PodSource {
  /** `replay` or `netns`: shown in logs and in the `source` label. */
  readonly kind: string;
  listPods(): Promise<PodTarget[]>;
  /** Results in the order of `commands`. Never rejects: every failure is a result. */
  run(pod: PodTarget, commands: readonly PodCommand[], timeoutMs: number): Promise<CommandResult[]>;
  /** The inode of the pod's network namespace, for sources that enter it by path. Never rejects. */
  netnsInode?(pod: PodTarget): Promise<number | undefined>;
  /** Stop what the source keeps running between cycles (kept-open readers). */
  close?(): void;
}

/** What the pod sources need to know of a discovered pod. */
export function podTargetOf(p: DiscoveredPod): PodTarget {
  const t: PodTarget = { namespace: p.namespace, pod: p.pod, role: p.role, container: p.container };
  if (p.trench) t.trench = p.trench;
  if (p.conduit) t.conduit = p.conduit;
  if (p.attractor) t.attractor = p.attractor;
  return t;
}
