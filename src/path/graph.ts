/**
 * The traffic path of one node as a graph: what `/api/v1/path` serves (schema in the README), what the
 * page draws and what `meridio_path_link_*` exposes. Bump PATH_SCHEMA_VERSION on any incompatible change.
 */
export const PATH_SCHEMA_VERSION = 1;

export type PathNodeKind = 'pod-interface' | 'vpp-interface' | 'remote-node' | 'route' | 'remote-endpoint';

export type LinkType = 'tap-peer' | 'xconnect' | 'vxlan' | 'bridge-member' | 'nexthop' | 'fdb' | 'vip';

/**
 * `present`: read this cycle. `missing`: the other end of a link says it should exist and the data that
 * would show it was read, but it is not there. `unknown`: the data that would show it could not be read.
 */
export type Presence = 'present' | 'missing' | 'unknown';

/** Counters of an interface as read this cycle; a field is absent when it could not be read. */
export interface Traffic {
  rxPackets?: number;
  txPackets?: number;
  rxBytes?: number;
  txBytes?: number;
  /** VPP's `drops`, or a pod interface's rx + tx dropped. */
  drops?: number;
}

export interface PathNode {
  id: string;
  kind: PathNodeKind;
  presence: Presence;
  /** One line for people: `tap3`, `proxy-conduit-a-1-abc/conduit-a--1b2a`, `worker-b`… */
  title: string;
  namespace?: string;
  pod?: string;
  role?: string;
  interface?: string;
  /** Linux link kind (bridge, veth, tun…) or VPP interface kind (tap, vxlan, other). */
  interfaceKind?: string;
  mac?: string;
  /** Addresses with prefix length (`172.16.1.4/24`); a remote endpoint's addresses without one. */
  addresses?: string[];
  /** remote-node: the node name when known, and the tunnel destination address. */
  nodeName?: string;
  address?: string;
  /** route: the routing table, its family, the source addresses (VIPs) whose rules look it up. */
  table?: string;
  family?: 'ipv4' | 'ipv6';
  vips?: string[];
  /** VPP admin state, or the Linux UP flag. */
  adminUp?: boolean;
  /** VPP tap: the Linux side's carrier; Linux: LOWER_UP / not NO-CARRIER. */
  carrierUp?: boolean;
  operState?: string;
  traffic?: Traffic;
  /** Why the node is missing or unknown, or what is wrong with it. */
  note?: string;
}

export type HealthStatus = 'up' | 'down' | 'unknown';

export interface LinkHealth {
  /** `down` when something below is wrong; `unknown` when an end could not be read. */
  status: HealthStatus;
  /** Why the link is down or unknown, one sentence each. */
  problems: string[];
  /** True when a packet counter of an end changed since the previous cycle; absent on the first cycle. */
  moving?: boolean;
  /** True when a drop counter of an end grew since the previous cycle. */
  dropsIncreased?: boolean;
}

export interface PathLink {
  /** `<type>|<from>|<to>`: stable while both ends stay. */
  id: string;
  type: LinkType;
  from: string;
  to: string;
  /**
   * What matched the ends: `host-ns`, `host-mac-addr`, `host-if-name` (tap-peer), `l2-xconnect`,
   * `tunnel-dst` (vxlan), `master` (bridge-member), `address`, `neighbour` (nexthop), `fdb`.
   */
  evidence: string[];
  health: LinkHealth;
  /** Facts of this link: the VNI, nexthop address and weight, neighbour state, FDB MAC… */
  details: Record<string, string | number>;
}

export interface PathPod {
  namespace: string;
  pod: string;
  role?: string;
  /** False when none of the pod's interfaces could be read this cycle. */
  read: boolean;
}

export interface PathGraph {
  schemaVersion: typeof PATH_SCHEMA_VERSION;
  node: string;
  forwarder?: string;
  /** When the graph was built (ISO 8601). */
  generatedAt: string;
  /** Whether VPP's interfaces, taps and cross-connects and every pod's interfaces were read. */
  complete: { vpp: boolean; pods: boolean };
  pods: PathPod[];
  nodes: PathNode[];
  links: PathLink[];
}

export const podInterfaceId = (namespace: string, pod: string, ifname: string) =>
  `pod:${namespace}/${pod}/${ifname}`;
export const vppInterfaceId = (name: string) => `vpp:${name}`;
export const remoteNodeId = (nameOrAddress: string) => `node:${nameOrAddress}`;
export const remoteEndpointId = (macOrIp: string) => `peer:${macOrIp}`;
export const linkId = (type: LinkType, from: string, to: string) => `${type}|${from}|${to}`;
