import type { PodData, PodForm } from '../parsers/linux/records.ts';
import type { PodTarget } from '../sources/pod-source.ts';
import type { CommandStatus } from './vpp-snapshot.ts';

/**
 * What one Meridio pod's network namespace said in one cycle. A field of `data` is absent when every
 * command feeding it failed or was not recorded: absent data is never replaced by zeros.
 */
export interface PodSnapshot {
  node: string;
  target: PodTarget;
  sourceKind: string;
  /** The output form that could be read; absent when no form could be read at all. */
  form?: PodForm;
  data: PodData;
  /** Inode of the pod's network namespace, when the source enters it by path (netns, node-local). */
  netnsInode?: number;
  commands: CommandStatus[];
}
