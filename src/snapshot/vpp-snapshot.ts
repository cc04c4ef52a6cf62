import type { PodLink } from '../parsers/linux/records.ts';
import type { ParseReport } from '../parsers/parse-report.ts';
import type { VppErrorCounter } from '../parsers/vpp/show-errors.ts';
import type { VppInterface } from '../parsers/vpp/show-interface.ts';
import type { VppInterfaceAddr } from '../parsers/vpp/show-interface-addr.ts';
import type { VppTap } from '../parsers/vpp/show-tap.ts';
import type { VppVersion } from '../parsers/vpp/show-version.ts';
import type { VppVxlanTunnel } from '../parsers/vpp/show-vxlan-tunnel.ts';
import type { SourceFailure } from '../sources/source-error.ts';
import type { SegmentFailure } from '../sources/vpp-stats/segment-view.ts';

/** VPP names an af_packet interface `host-<the Linux interface it is bound to>`. */
export const AF_PACKET_PREFIX = 'host-';

export type CommandFailure = SourceFailure | SegmentFailure | 'parse' | 'truncated-output';

/** How reading one command went. */
export interface CommandStatus {
  /** The command as one line (a VPP command, or an allowlisted pod command). */
  command: string;
  state: 'ok' | 'failed' | 'not-recorded';
  failure?: CommandFailure;
  message?: string;
  durationSeconds: number;
  /** When the data in the snapshot was read (ms since epoch); for state commands it may be an earlier cycle. */
  readAt: number;
  /** True when the command ran in this cycle, false when its data was carried over. */
  ranThisCycle: boolean;
  report?: ParseReport;
}

export interface VxlanTunnelWithName extends VppVxlanTunnel {
  /** The VPP interface of the tunnel, found by sw-if-idx in `show interface`, else `vxlan_tunnel<instance>`. */
  interfaceName: string;
}

/**
 * What VPP said in one cycle. A field is absent when its command failed or was not recorded: absent
 * data is never replaced by zeros.
 */
export interface VppSnapshot {
  node: string;
  forwarder: string;
  sourceKind: string;
  /** Node addresses (InternalIP/ExternalIP) → node name, to name a VxLAN tunnel's far end. */
  nodeByAddress?: ReadonlyMap<string, string>;
  interfaces?: VppInterface[];
  addrs?: VppInterfaceAddr[];
  taps?: VppTap[];
  tunnels?: VxlanTunnelWithName[];
  rawTunnels?: VppVxlanTunnel[];
  errors?: VppErrorCounter[];
  version?: VppVersion;
  /** What only VPP's stats segment gives, when it was read this cycle. */
  stats?: VppStatsSummary;
  /**
   * Network namespace inode behind each tap's `host-ns` path, when the source can resolve the path as
   * VPP sees it (node-local, a VPP on this host): the strongest evidence of which pod a tap serves.
   */
  hostNsInodes?: ReadonlyMap<string, number>;
  /**
   * The links of VPP's own network namespace (`ip -json link` there), read while VPP has af_packet
   * interfaces and its process is visible: each `host-<name>` interface's veth and its peer's index.
   */
  hostLinks?: PodLink[];
  commands: CommandStatus[];
}

/** The stats segment's own values: `/sys/` and `/buffer-pools/` by full name, `/mem/` heaps by name. */
export interface VppStatsSummary {
  values: ReadonlyMap<string, number>;
  heaps: ReadonlyMap<string, ReadonlyMap<string, number>>;
  threads: number;
}
