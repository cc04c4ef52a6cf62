import type { PodLink } from '../parsers/linux/records.ts';
import type { VppTap } from '../parsers/vpp/show-tap.ts';
import type { PodSnapshot } from '../snapshot/pod-snapshot.ts';
import { AF_PACKET_PREFIX } from '../snapshot/vpp-snapshot.ts';
import { type PathLink, type PathNode, remoteNodeId } from './graph.ts';
import { makeLink } from './link-health.ts';
import type { NodeIndex, PodInterfaceRef } from './node-index.ts';

/**
 * Each VPP tap to the pod interface on its Linux side. Evidence, strongest first: the tap's `host-ns`
 * is the pod's network namespace (when the source could resolve both), the tap's `host-mac-addr` is
 * the interface's MAC (the guide's method), the tap's Linux name is unique among the pods read.
 */
export function tapPeerLinks(index: NodeIndex): PathLink[] {
  const links: PathLink[] = [];
  for (const tap of index.vpp?.taps ?? []) {
    const vppNode = index.vppInterface(tap.name, 'tap');
    const match = findTapPeer(index, tap);
    const details: Record<string, string | number> = {};
    if (tap.hostIfName) details.hostIfName = tap.hostIfName;
    if (tap.hostMac) details.hostMac = tap.hostMac.toLowerCase();
    if (tap.hostNs) details.hostNs = tap.hostNs;
    if (match.ref) {
      links.push(makeLink('tap-peer', vppNode, match.ref.node, match.evidence, details, match.problems));
      continue;
    }
    const presence = index.podsComplete ? 'missing' : 'unknown';
    const peer = index.absent(
      `missing:tap-peer:${tap.name}`,
      'pod-interface',
      presence,
      `${tap.hostIfName ?? '?'} ${tap.hostMac?.toLowerCase() ?? ''}`.trim(),
      presence === 'missing'
        ? `no pod interface read on this node has MAC ${tap.hostMac ?? '(none)'} or name ${tap.hostIfName ?? '(none)'}`
        : 'not every pod on this node could be read',
    );
    if (tap.hostIfName) peer.interface = tap.hostIfName;
    if (tap.hostMac) peer.mac = tap.hostMac.toLowerCase();
    links.push(makeLink('tap-peer', vppNode, peer, [], details, match.problems));
  }
  return links;
}

interface TapMatch {
  ref?: PodInterfaceRef;
  evidence: string[];
  problems: string[];
}

function findTapPeer(index: NodeIndex, tap: VppTap): TapMatch {
  const mac = tap.hostMac?.toLowerCase();
  const name = tap.hostIfName;
  // The tap's carrier is the VPP end's state (endProblems), not a matching problem.
  const problems: string[] = [];
  const inode = tap.hostNs ? index.vpp?.hostNsInodes?.get(tap.hostNs) : undefined;
  if (inode !== undefined) {
    const inNs = index.podInterfaces.filter((r) => r.pod.netnsInode === inode);
    const ref =
      inNs.find((r) => mac !== undefined && r.node.mac === mac) ?? inNs.find((r) => r.link.name === name);
    if (ref) return { ref, evidence: evidenceOf(ref, tap, ['host-ns']), problems };
  }
  if (mac) {
    const byMac = index.podInterfacesByMac(mac);
    const ref = byMac.length === 1 ? byMac[0] : byMac.find((r) => r.link.name === name);
    if (ref) return { ref, evidence: evidenceOf(ref, tap, ['host-mac-addr']), problems };
  }
  if (name) {
    const byName = index.podInterfacesByName(name);
    if (byName.length === 1 && byName[0]) {
      const ref = byName[0];
      const macProblem =
        mac && ref.node.mac && ref.node.mac !== mac
          ? [`${tap.name}: host-mac-addr ${mac} is not the MAC of ${ref.node.title} (${ref.node.mac})`]
          : [];
      return { ref, evidence: ['host-if-name'], problems: [...problems, ...macProblem] };
    }
  }
  return { evidence: [], problems };
}

function evidenceOf(ref: PodInterfaceRef, tap: VppTap, first: string[]): string[] {
  const out = [...first];
  if (!out.includes('host-mac-addr') && tap.hostMac && ref.node.mac === tap.hostMac.toLowerCase())
    out.push('host-mac-addr');
  if (tap.hostIfName === ref.link.name) out.push('host-if-name');
  return out;
}

/**
 * Each af_packet interface (`host-<name>`) to the pod interface behind it. VPP's namespace has a veth
 * `<name>`; its peer is the pod link whose own index is the veth's peer index and whose peer index is
 * the veth's own. Indexes repeat across namespaces, so that can fit several pods: the veths of VPP's
 * namespace whose peers share one namespace (the same `link_netnsid`) must all end in one pod, which
 * settles a tie and exposes a chance fit. Only when VPP's namespace was read (its process is visible
 * here); a `<name>` that is not a veth (a NIC, the node's uplink) is not a pod link and is left out.
 */
export function afPacketPeerLinks(index: NodeIndex): PathLink[] {
  const hostLinks = index.vpp?.hostLinks;
  const links: PathLink[] = [];
  if (!hostLinks) return links;
  const byName = new Map(hostLinks.map((l) => [l.name, l]));
  const ends: AfPacketEnd[] = [];
  for (const iface of index.vpp?.interfaces ?? []) {
    if (!iface.name.startsWith(AF_PACKET_PREFIX)) continue;
    const hostIfName = iface.name.slice(AF_PACKET_PREFIX.length);
    const vppNode = index.vppInterface(iface.name, 'af-packet');
    const host = byName.get(hostIfName);
    if (!host) {
      const gone = index.absent(
        `missing:af-packet:${iface.name}`,
        'pod-interface',
        'missing',
        hostIfName,
        `VPP's network namespace has no interface ${hostIfName}`,
      );
      gone.interface = hostIfName;
      links.push(makeLink('tap-peer', vppNode, gone, [], { hostIfName }));
      continue;
    }
    if (host.kind !== 'veth' || host.ifindex === undefined || host.peerIfindex === undefined) continue;
    const candidates = index.podInterfaces.filter(
      (r) => r.link.ifindex === host.peerIfindex && r.link.peerIfindex === host.ifindex,
    );
    ends.push({ iface: iface.name, hostIfName, host, vppNode, candidates });
  }
  // Which pod each peer namespace is, from the veths that fit one pod interface only.
  const podOfNs = new Map<number, Set<PodSnapshot>>();
  for (const e of ends) {
    const only = e.candidates.length === 1 ? e.candidates[0] : undefined;
    if (only && e.host.peerNetnsId !== undefined) {
      const pods = podOfNs.get(e.host.peerNetnsId) ?? new Set();
      pods.add(only.pod);
      podOfNs.set(e.host.peerNetnsId, pods);
    }
  }
  for (const e of ends) {
    const details: Record<string, string | number> = {
      hostIfName: e.hostIfName,
      hostIfindex: e.host.ifindex as number,
      peerIfindex: e.host.peerIfindex as number,
    };
    const nsPods = e.host.peerNetnsId === undefined ? undefined : podOfNs.get(e.host.peerNetnsId);
    let match: PodInterfaceRef | undefined;
    let evidence = ['af-packet', 'veth-peer'];
    let note: string;
    if (nsPods && nsPods.size > 1) {
      note = `the peers of the veths in ${e.hostIfName}'s peer namespace fit ${nsPods.size} different pods; none is trusted`;
    } else if (e.candidates.length === 1) {
      match = e.candidates[0];
      note = '';
    } else if (e.candidates.length > 1 && nsPods?.size === 1) {
      const [pod] = nsPods;
      const inPod = e.candidates.filter((c) => c.pod === pod);
      if (inPod.length === 1) {
        match = inPod[0];
        evidence = [...evidence, 'peer-namespace'];
      }
      note = `${e.candidates.length} pod interfaces could be the peer of ${e.hostIfName}: ${e.candidates.map((m) => m.node.title).join(', ')}`;
    } else if (e.candidates.length > 1) {
      note = `${e.candidates.length} pod interfaces could be the peer of ${e.hostIfName}: ${e.candidates.map((m) => m.node.title).join(', ')}`;
    } else {
      note = `the peer of ${e.hostIfName} (index ${e.host.peerIfindex}) is in no pod read on this node`;
    }
    if (match) {
      links.push(makeLink('tap-peer', e.vppNode, match.node, evidence, details));
      continue;
    }
    // Not known to be missing: the peer may be in a namespace that no pod read here is.
    const peer = index.absent(
      `missing:af-packet-peer:${e.iface}`,
      'pod-interface',
      'unknown',
      `peer of ${e.hostIfName}`,
      note,
    );
    links.push(makeLink('tap-peer', e.vppNode, peer, [], details));
  }
  return links;
}

interface AfPacketEnd {
  iface: string;
  hostIfName: string;
  host: PodLink;
  vppNode: PathNode;
  candidates: PodInterfaceRef[];
}

/**
 * L2 cross-connects from `show interface addr`, one link per pair. A cross-connect that the peer does
 * not return is down; one to an interface VPP does not have has a missing end.
 */
export function xconnectLinks(index: NodeIndex): PathLink[] {
  const addrs = index.vpp?.addrs ?? [];
  const peerOf = new Map(addrs.filter((a) => a.xconnectPeer).map((a) => [a.name, a.xconnectPeer as string]));
  const done = new Set<string>();
  const links: PathLink[] = [];
  for (const [name, peer] of peerOf) {
    if (done.has(name)) continue;
    done.add(name);
    const back = peerOf.get(peer);
    if (back === name) done.add(peer);
    const from = index.vppInterface(name);
    const to = index.vppInterface(peer);
    const problems: string[] = [];
    if (to.presence === 'present' && back !== name) {
      problems.push(
        back
          ? `one-way cross-connect: ${peer} is cross-connected to ${back}, not back to ${name}`
          : `one-way cross-connect: ${peer} is not cross-connected back to ${name}`,
      );
    }
    links.push(makeLink('xconnect', from, to, ['l2-xconnect'], {}, problems));
  }
  return links;
}

/**
 * Each VxLAN tunnel to the node that owns its destination address. With a node list (cluster discovery
 * or the recording's replay.json), a destination no node owns is a missing end; without one, unknown.
 */
export function vxlanLinks(index: NodeIndex): PathLink[] {
  const book = index.vpp?.nodeByAddress;
  const links: PathLink[] = [];
  for (const t of index.vpp?.tunnels ?? []) {
    const from = index.vppInterface(t.interfaceName, 'vxlan');
    const name = book?.get(t.dst);
    let to: PathNode;
    if (name) {
      const id = remoteNodeId(name);
      to = index.node(id, () => ({
        id,
        kind: 'remote-node',
        presence: 'present',
        title: name,
        nodeName: name,
        address: t.dst,
        addresses: [],
      }));
      if (!to.addresses?.includes(t.dst)) to.addresses = [...(to.addresses ?? []), t.dst];
    } else if (book && book.size > 0) {
      to = index.absent(
        remoteNodeId(t.dst),
        'remote-node',
        'missing',
        t.dst,
        `no node of the cluster has address ${t.dst}`,
      );
      to.address = t.dst;
    } else {
      to = index.absent(remoteNodeId(t.dst), 'remote-node', 'unknown', t.dst, 'no node list to name it');
      to.address = t.dst;
    }
    const details: Record<string, string | number> = { src: t.src, dst: t.dst, vni: t.vni };
    if (t.dstPort !== undefined) details.dstPort = t.dstPort;
    links.push(makeLink('vxlan', from, to, ['tunnel-dst'], details));
  }
  return links;
}
