import type { PodSnapshot } from '../snapshot/pod-snapshot.ts';
import type { VppSnapshot } from '../snapshot/vpp-snapshot.ts';
import type { GoneLinks } from './gone-links.ts';
import { PATH_SCHEMA_VERSION, type PathGraph, type PathLink, type Traffic } from './graph.ts';
import { markTraffic } from './link-health.ts';
import type { MissingFdb } from './missing-fdb.ts';
import { NodeIndex } from './node-index.ts';
import { bridgeMemberLinks, expectedVipLinks, fdbLinks, nexthopLinks, vipLinks } from './pod-links.ts';
import { afPacketPeerLinks, tapPeerLinks, vxlanLinks, xconnectLinks } from './vpp-links.ts';

export interface CorrelateInput {
  node: string;
  vpp?: VppSnapshot;
  pods: readonly PodSnapshot[];
  /** Counters of the previous cycle's graph by node id, to tell moving links from idle ones. */
  previousTraffic?: ReadonlyMap<string, Traffic>;
  /** Links of recent cycles, to show one that is gone as a down link instead of dropping it. */
  gone?: GoneLinks;
  /** Targets whose MAC the proxy's bridge has lost for long, shown as down FDB links. */
  missingFdb?: MissingFdb;
  /** VIP addresses per `<namespace>/<trench>/<conduit>` from Meridio's resources: each proxy of the conduit must route them. */
  expectedVips?: ReadonlyMap<string, readonly string[]>;
  /** False while the node's pod list is not known (cluster discovery not synced): nothing is missing then. */
  podsKnown?: boolean;
  now?: number;
}

/**
 * The node's traffic path from one cycle's snapshots. Pure: the same snapshots give the same graph.
 * Only nodes some link touches are kept (a pod's `eth0` or `lo` is not on the path); every pod read is
 * listed in `pods` whether or not it has a link.
 */
export function correlatePath(input: CorrelateInput): PathGraph {
  const index = NodeIndex.build(input.vpp, input.pods);
  if (input.podsKnown === false) index.podsComplete = false;
  const links: PathLink[] = [];
  for (const build of [
    tapPeerLinks,
    afPacketPeerLinks,
    xconnectLinks,
    vxlanLinks,
    bridgeMemberLinks,
    nexthopLinks,
    fdbLinks,
    vipLinks,
  ]) {
    for (const link of build(index)) links.push(link);
  }
  if (input.expectedVips) {
    for (const link of expectedVipLinks(index, input.expectedVips)) links.push(link);
  }
  if (input.missingFdb) {
    for (const link of input.missingFdb.links(index, input.now ?? Date.now())) links.push(link);
  }
  if (input.gone) {
    const vpp = input.vpp;
    const vppComplete = vpp !== undefined && [vpp.interfaces, vpp.addrs].every((d) => d !== undefined);
    const complete = index.podsComplete && (vpp === undefined || vppComplete);
    links.push(...input.gone.restore(links, index.nodes, complete, input.now ?? Date.now()));
  }
  const used = new Set<string>();
  for (const link of links) {
    used.add(link.from);
    used.add(link.to);
    markTraffic(link, index.nodes, input.previousTraffic);
  }
  const vpp = input.vpp;
  const graph: PathGraph = {
    schemaVersion: PATH_SCHEMA_VERSION,
    node: input.node,
    generatedAt: new Date(input.now ?? Date.now()).toISOString(),
    complete: {
      vpp: vpp !== undefined && [vpp.interfaces, vpp.taps, vpp.addrs].every((d) => d !== undefined),
      pods: index.podsComplete,
    },
    pods: index.pods,
    nodes: [...index.nodes.values()].filter((n) => used.has(n.id)),
    links,
  };
  if (vpp?.forwarder) graph.forwarder = vpp.forwarder;
  return graph;
}

/** The counters of a graph's nodes, to pass as `previousTraffic` next cycle. */
export function trafficOf(graph: PathGraph): Map<string, Traffic> {
  const out = new Map<string, Traffic>();
  for (const n of graph.nodes) if (n.traffic) out.set(n.id, n.traffic);
  return out;
}
