import type { PodLink } from '../parsers/linux/records.ts';
import type { PodSnapshot } from '../snapshot/pod-snapshot.ts';
import type { VppSnapshot } from '../snapshot/vpp-snapshot.ts';
import { AF_PACKET_PREFIX } from '../snapshot/vpp-snapshot.ts';
import {
  type PathNode,
  type PathPod,
  type Presence,
  podInterfaceId,
  remoteEndpointId,
  type Traffic,
  vppInterfaceId,
} from './graph.ts';

/** A pod interface node with the snapshot it came from. */
export interface PodInterfaceRef {
  node: PathNode;
  pod: PodSnapshot;
  link: PodLink;
}

/**
 * Every node the snapshots show, and the lookups correlation needs: pod interfaces by MAC, address,
 * name and network namespace, VPP interfaces by name. Nodes that no link references are pruned at the end.
 */
export class NodeIndex {
  readonly nodes = new Map<string, PathNode>();
  readonly pods: PathPod[] = [];
  readonly podInterfaces: PodInterfaceRef[] = [];
  private readonly byMac = new Map<string, PodInterfaceRef[]>();
  private readonly byAddress = new Map<string, PodInterfaceRef[]>();
  private readonly byName = new Map<string, PodInterfaceRef[]>();
  private readonly byPod = new Map<PodSnapshot, Map<string, PodInterfaceRef>>();
  /** True when every pod's interfaces were read: only then can a pod interface be called missing. */
  podsComplete = true;

  private constructor(
    readonly vpp: VppSnapshot | undefined,
    readonly podSnapshots: readonly PodSnapshot[],
  ) {}

  /** The index of one cycle's snapshots. */
  static build(vpp: VppSnapshot | undefined, podSnapshots: readonly PodSnapshot[]): NodeIndex {
    const index = new NodeIndex(vpp, podSnapshots);
    for (const pod of podSnapshots) {
      const { namespace, pod: name, role } = pod.target;
      const read = pod.data.links !== undefined;
      index.podsComplete &&= read;
      index.pods.push({ namespace, pod: name, ...(role && { role }), read });
      index.addPod(pod);
    }
    index.addVpp();
    return index;
  }

  private addPod(pod: PodSnapshot): void {
    const { namespace, pod: name, role } = pod.target;
    const counters = new Map((pod.data.counters ?? []).map((c) => [c.name, c]));
    // Grouped once: a pod with many interfaces and addresses would otherwise cost their product.
    const addressesOf = new Map<string, string[]>();
    for (const a of pod.data.addresses ?? []) {
      if (a.scope !== 'link') push(addressesOf, a.interface, `${a.address}/${a.prefixLen}`);
    }
    const own = new Map<string, PodInterfaceRef>();
    this.byPod.set(pod, own);
    for (const link of pod.data.links ?? []) {
      if (link.name === 'lo') continue;
      const c = counters.get(link.name);
      const addresses = addressesOf.get(link.name) ?? [];
      const node: PathNode = {
        id: podInterfaceId(namespace, name, link.name),
        kind: 'pod-interface',
        presence: 'present',
        title: `${name}/${link.name}`,
        namespace,
        pod: name,
        interface: link.name,
        ...(role && { role }),
        ...(link.kind && { interfaceKind: link.kind }),
        ...(link.mac && { mac: link.mac.toLowerCase() }),
        ...(addresses.length > 0 && { addresses }),
        ...linuxState(link),
      };
      if (c) {
        const drops =
          c.rxDropped !== undefined || c.txDropped !== undefined
            ? (c.rxDropped ?? 0) + (c.txDropped ?? 0)
            : undefined;
        node.traffic = definedOnly({
          rxPackets: c.rxPackets,
          txPackets: c.txPackets,
          rxBytes: c.rxBytes,
          txBytes: c.txBytes,
          drops,
        });
      }
      const ref: PodInterfaceRef = { node, pod, link };
      this.nodes.set(node.id, node);
      this.podInterfaces.push(ref);
      own.set(link.name, ref);
      push(this.byName, link.name, ref);
      if (node.mac) push(this.byMac, node.mac, ref);
    }
    for (const a of pod.data.addresses ?? []) {
      const ref = own.get(a.interface);
      if (ref && a.scope !== 'link') push(this.byAddress, a.address.toLowerCase(), ref);
    }
  }

  private addVpp(): void {
    const vpp = this.vpp;
    if (!vpp) return;
    const taps = new Map((vpp.taps ?? []).map((t) => [t.name, t]));
    const tunnels = new Set((vpp.tunnels ?? []).map((t) => t.interfaceName));
    const addrs = new Map((vpp.addrs ?? []).map((a) => [a.name, a]));
    const hostLinks = new Map((vpp.hostLinks ?? []).map((l) => [l.name, l]));
    const interfaces = vpp.interfaces ?? [];
    // Indexed: once a cycle, too rarely to be optimized (an unoptimized for-of allocates per element).
    for (let i = 0; i < interfaces.length; i++) {
      const iface = interfaces[i] as (typeof interfaces)[number];
      const tap = taps.get(iface.name);
      const afPacket = iface.name.startsWith(AF_PACKET_PREFIX);
      const kind = tap ? 'tap' : tunnels.has(iface.name) ? 'vxlan' : afPacket ? 'af-packet' : 'other';
      const counter = (name: string) => iface.counters.get(name) ?? (iface.incomplete ? undefined : 0);
      const node: PathNode = {
        id: vppInterfaceId(iface.name),
        kind: 'vpp-interface',
        presence: 'present',
        title: iface.name,
        interface: iface.name,
        interfaceKind: kind,
        adminUp: iface.adminUp,
        traffic: definedOnly({
          rxPackets: counter('rx packets'),
          txPackets: counter('tx packets'),
          rxBytes: counter('rx bytes'),
          txBytes: counter('tx bytes'),
          drops: counter('drops'),
        }),
      };
      if (tap?.mac) node.mac = tap.mac.toLowerCase();
      if (tap?.hostCarrierUp !== undefined) node.carrierUp = tap.hostCarrierUp;
      // An af_packet interface carries what its Linux link carries: a veth whose peer is down is LOWERLAYERDOWN.
      const host = afPacket ? hostLinks.get(iface.name.slice(AF_PACKET_PREFIX.length)) : undefined;
      if (host?.operstate) node.carrierUp = host.operstate === 'UP' || host.operstate === 'UNKNOWN';
      const l3 = addrs.get(iface.name)?.addresses.filter((a) => !a.borrowed);
      if (l3 && l3.length > 0) node.addresses = l3.map((a) => `${a.address}/${a.prefixLen}`);
      this.nodes.set(node.id, node);
    }
    // Taps and cross-connected interfaces that `show interface` did not list (it failed this cycle).
    for (const tap of vpp.taps ?? []) this.vppInterface(tap.name, 'tap');
    for (const a of vpp.addrs ?? []) this.vppInterface(a.name);
  }

  /** The node with this id, made by `make` the first time it is asked for. */
  node(id: string, make: () => PathNode): PathNode {
    let node = this.nodes.get(id);
    if (!node) {
      node = make();
      this.nodes.set(id, node);
    }
    return node;
  }

  /** The node of a VPP interface; created `missing` (or `unknown`) when `show interface` did not list it. */
  vppInterface(name: string, interfaceKind?: string): PathNode {
    return this.node(vppInterfaceId(name), () => {
      const listed = this.vpp?.interfaces !== undefined;
      return {
        id: vppInterfaceId(name),
        kind: 'vpp-interface',
        presence: listed ? 'missing' : 'unknown',
        title: name,
        interface: name,
        ...(interfaceKind && { interfaceKind }),
        note: listed ? `VPP has no interface ${name}` : 'show interface could not be read',
      };
    });
  }

  /** Pod interfaces with this MAC, in every pod read. */
  podInterfacesByMac(mac: string): readonly PodInterfaceRef[] {
    return this.byMac.get(mac.toLowerCase()) ?? [];
  }

  podInterfacesByAddress(address: string): readonly PodInterfaceRef[] {
    return this.byAddress.get(address.toLowerCase()) ?? [];
  }

  podInterfacesByName(name: string): readonly PodInterfaceRef[] {
    return this.byName.get(name) ?? [];
  }

  podInterface(pod: PodSnapshot, name: string): PodInterfaceRef | undefined {
    return this.byPod.get(pod)?.get(name);
  }

  /** The remote end of a nexthop or FDB entry on another node (or outside Meridio), keyed by MAC when known. */
  remoteEndpoint(mac: string | undefined, address: string | undefined): PathNode {
    const key = mac?.toLowerCase() ?? address ?? '?';
    const id = remoteEndpointId(key);
    const node = this.node(id, () => ({
      id,
      kind: 'remote-endpoint',
      presence: 'present',
      title: mac ? `${address ? `${address} ` : ''}${mac}` : (address ?? '?'),
      ...(mac && { mac: mac.toLowerCase() }),
      note: 'not an interface of a pod read on this node',
    }));
    if (address && !node.addresses?.includes(address)) {
      node.addresses = [...(node.addresses ?? []), address];
      node.title = `${node.addresses.join(' ')}${node.mac ? ` ${node.mac}` : ''}`;
    }
    return node;
  }

  /** An end that should exist and does not (or could not be read). */
  absent(id: string, kind: PathNode['kind'], presence: Presence, title: string, note: string): PathNode {
    return this.node(id, () => ({ id, kind, presence, title, note }));
  }
}

function linuxState(link: PodLink): Pick<PathNode, 'adminUp' | 'carrierUp' | 'operState'> {
  const out: Pick<PathNode, 'adminUp' | 'carrierUp' | 'operState'> = {};
  if (link.operstate) out.operState = link.operstate;
  if (link.flags) {
    out.adminUp = link.flags.includes('UP');
    out.carrierUp = out.adminUp && !link.flags.includes('NO-CARRIER');
  } else if (link.operstate === 'DOWN' || link.operstate === 'LOWERLAYERDOWN') {
    out.carrierUp = false;
  } else if (link.operstate === 'UP') {
    out.carrierUp = true;
  }
  return out;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const TRAFFIC_KEYS = ['rxPackets', 'txPackets', 'rxBytes', 'txBytes', 'drops'] as const;

function definedOnly(t: Traffic): Traffic | undefined {
  // An indexed loop over fixed keys: Object.entries made two arrays per interface and cycle.
  const out: Traffic = {};
  let any = false;
  for (let i = 0; i < TRAFFIC_KEYS.length; i++) {
    const key = TRAFFIC_KEYS[i] as keyof Traffic;
    const value = t[key];
    if (value !== undefined) {
      out[key] = value;
      any = true;
    }
  }
  return any ? out : undefined;
}
