/** What the Linux side of a Meridio pod says, as parsed from `ip`, `bridge` and `/proc`. */

export type IpFamily = 'ipv4' | 'ipv6';

export interface PodLink {
  name: string;
  mac?: string;
  mtu?: number;
  /** Kernel operstate: UP, DOWN, UNKNOWN, LOWERLAYERDOWN… */
  operstate?: string;
  /** The bridge (or bond) this link is a port of. */
  master?: string;
  /** Link kind from `-details` (veth, bridge, vxlan…); absent from the text forms. */
  kind?: string;
  /** Flags such as UP, LOWER_UP, NO-CARRIER. */
  flags?: string[];
  /** The kernel's index of this link in its namespace (JSON form only). */
  ifindex?: number;
  /** A veth's (or other paired link's) peer index, in the peer's namespace (JSON `link_index`). */
  peerIfindex?: number;
  /**
   * The id this namespace gives the peer's namespace (JSON `link_netnsid`): links with the same id
   * have their peers in one namespace. Meaningful only within one namespace.
   */
  peerNetnsId?: number;
}

/** Interface counters; a field is absent when the output did not carry it. */
export interface PodLinkCounters {
  name: string;
  rxBytes?: number;
  rxPackets?: number;
  rxErrors?: number;
  rxDropped?: number;
  txBytes?: number;
  txPackets?: number;
  txErrors?: number;
  txDropped?: number;
}

export interface PodAddress {
  interface: string;
  family: IpFamily;
  address: string;
  prefixLen: number;
  scope?: string;
}

export interface PodRule {
  family: IpFamily;
  priority: number;
  /** Source selector, `all` when the rule matches any source. */
  from: string;
  to?: string;
  iif?: string;
  oif?: string;
  fwmark?: string;
  not?: boolean;
  /** Table looked up (number or name), absent for rules with another action. */
  table?: string;
  /** `lookup`, or the rule's action: blackhole, unreachable, prohibit, goto, nat. */
  action: string;
}

export interface PodNexthop {
  via?: string;
  dev?: string;
  weight?: number;
  /** Flags of the nexthop such as dead, linkdown, onlink. */
  flags: string[];
}

export interface PodRoute {
  family: IpFamily;
  /** Routing table: `main`, `local`, or a number as text. */
  table: string;
  /** `default` or a prefix. */
  dst: string;
  /** unicast, local, broadcast, multicast, unreachable, blackhole, prohibit, throw… */
  type: string;
  metric?: number;
  protocol?: string;
  nexthops: PodNexthop[];
}

export interface PodNeighbor {
  family: IpFamily;
  ip: string;
  dev: string;
  lladdr?: string;
  /** NUD state(s) as the kernel names them, joined with `,` when several (e.g. `STALE,PROBE`). */
  state: string;
  router: boolean;
}

export interface PodFdbEntry {
  mac: string;
  /** The port the MAC was learned on or is pinned to. */
  port: string;
  bridge: string;
  /** permanent, static, or empty for a learned entry. */
  state: string;
  vlan?: number;
}

/** Which output form a pod's data came from. */
export type PodForm = 'json' | 'text' | 'proc';

/** Everything a pod's commands can contribute to its snapshot. */
export interface PodData {
  links?: PodLink[];
  counters?: PodLinkCounters[];
  addresses?: PodAddress[];
  rules?: PodRule[];
  routes?: PodRoute[];
  neighbors?: PodNeighbor[];
  fdb?: PodFdbEntry[];
}

export function familyOf(address: string): IpFamily {
  return address.includes(':') ? 'ipv6' : 'ipv4';
}
