import type { LinkType, PathGraph, PathLink, PathNode } from './graph.ts';

/** One hop of a traced path: the node reached, and the link that led to it (none for the first). */
export interface Hop {
  node: PathNode;
  via?: PathLink;
}

export interface TracedPath {
  title: string;
  hops: Hop[];
  /** How the trace ended: at the destination, leaving the node, or at a missing or unknown end. */
  end: string;
}

const FRONTEND_ROLES = ['stateless-lb-frontend', 'frontend'];

/** Lookups over one graph. */
class GraphView {
  readonly nodes: Map<string, PathNode>;
  private readonly byEnd = new Map<string, PathLink[]>();

  constructor(readonly graph: PathGraph) {
    this.nodes = new Map(graph.nodes.map((n) => [n.id, n]));
    for (const l of graph.links) {
      for (const id of [l.from, l.to]) {
        const list = this.byEnd.get(id) ?? [];
        list.push(l);
        this.byEnd.set(id, list);
      }
    }
  }

  links(id: string, type: LinkType): PathLink[] {
    return (this.byEnd.get(id) ?? []).filter((l) => l.type === type);
  }

  other(link: PathLink, id: string): PathNode | undefined {
    return this.nodes.get(link.from === id ? link.to : link.from);
  }
}

/**
 * From a pod interface through its tap and VPP's cross-connect to whatever is on the other side: the
 * pod interface behind the peer tap, or the node a VxLAN tunnel leads to.
 */
function acrossVpp(view: GraphView, start: PathNode): { hops: Hop[]; end?: string } {
  const hops: Hop[] = [];
  const tapLink = view.links(start.id, 'tap-peer')[0];
  if (!tapLink) return { hops, end: `${start.title} has no VPP tap on this node` };
  const tap = view.other(tapLink, start.id);
  if (!tap) return { hops, end: 'tap not found' };
  hops.push({ node: tap, via: tapLink });
  const xc = view.links(tap.id, 'xconnect')[0];
  if (!xc) return { hops, end: `${tap.title} is not cross-connected` };
  const peer = view.other(xc, tap.id);
  if (!peer) return { hops, end: 'cross-connect peer not found' };
  hops.push({ node: peer, via: xc });
  if (peer.presence !== 'present') return { hops, end: `${peer.title} is ${peer.presence}` };
  const tunnel = view.links(peer.id, 'vxlan')[0];
  if (tunnel) {
    const remote = view.other(tunnel, peer.id);
    if (remote) hops.push({ node: remote, via: tunnel });
    return { hops, end: `leaves this node towards ${remote?.nodeName ?? remote?.title ?? '?'}` };
  }
  const back = view.links(peer.id, 'tap-peer')[0];
  const far = back && view.other(back, peer.id);
  if (!back || !far) return { hops, end: `${peer.title} has no pod interface` };
  hops.push({ node: far, via: back });
  if (far.presence !== 'present') return { hops, end: `${far.title} is ${far.presence}` };
  return { hops };
}

/**
 * Ingress, in the guide's order: frontend interface → tap → cross-connect → tap → proxy port → bridge
 * → (FDB) the port towards each target → tap → cross-connect → tap → target interface.
 */
export function traceIngress(graph: PathGraph, fromPod?: string): TracedPath[] {
  const view = new GraphView(graph);
  const starts = graph.nodes.filter(
    (n) =>
      n.kind === 'pod-interface' &&
      n.presence === 'present' &&
      (fromPod ? n.pod === fromPod : FRONTEND_ROLES.includes(n.role ?? '')) &&
      view.links(n.id, 'tap-peer').length > 0,
  );
  const paths: TracedPath[] = [];
  for (const start of starts) {
    const title = `ingress from ${start.pod}/${start.interface} (${start.namespace}) on ${graph.node}`;
    const first = acrossVpp(view, start);
    const hops: Hop[] = [{ node: start }, ...first.hops];
    const last = hops[hops.length - 1]?.node;
    if (first.end || !last) {
      paths.push({ title, hops, end: first.end ?? 'no hop' });
      continue;
    }
    const member = view.links(last.id, 'bridge-member').find((l) => l.from === last.id);
    const bridge = member && view.nodes.get(member.to);
    if (!member || !bridge) {
      paths.push({ title, hops, end: `arrives at ${last.title}` });
      continue;
    }
    hops.push({ node: bridge, via: member });
    const ports = view
      .links(bridge.id, 'bridge-member')
      .map((l) => view.nodes.get(l.from))
      .filter((p): p is PathNode => p !== undefined && p.id !== last.id);
    const towardsTargets = ports.flatMap((p) =>
      view
        .links(p.id, 'fdb')
        .filter((f) => f.from === p.id && view.nodes.get(f.to)?.role === 'target')
        .map((f) => ({ port: p, fdb: f })),
    );
    if (towardsTargets.length === 0) {
      paths.push({ title, hops, end: `${bridge.title} knows no target MAC (FDB)` });
      continue;
    }
    for (const { port, fdb } of towardsTargets) {
      const rest = acrossVpp(view, port);
      paths.push({
        title,
        hops: [...hops, { node: port, via: fdb }, ...rest.hops],
        end: rest.end ?? `arrives at the target ${rest.hops.at(-1)?.node.title ?? ''}`,
      });
    }
  }
  return paths;
}

/**
 * Egress for a VIP, in the guide's order: the target owning the VIP → tap → cross-connect → tap →
 * proxy port → bridge → the rule `from <VIP> lookup <table>` → each nexthop → (FDB) the port towards
 * it → tap → cross-connect → the frontend's tap, or the tunnel to the node it is on.
 */
export function traceEgress(graph: PathGraph, vip?: string): TracedPath[] {
  const view = new GraphView(graph);
  const paths: TracedPath[] = [];
  const tables = graph.nodes.filter(
    (n) => n.kind === 'route' && (vip === undefined || (n.vips ?? []).includes(vip)),
  );
  for (const table of tables) {
    for (const v of vip === undefined ? (table.vips ?? []) : [vip]) {
      const lead = leadIn(view, graph, table, v);
      for (const nh of view.links(table.id, 'nexthop')) {
        const target = view.nodes.get(nh.to);
        const title = `egress for VIP ${v} via ${nh.details.via ?? '?'} (${table.title}) on ${graph.node}`;
        const hops: Hop[] = [...lead, { node: table }];
        if (!target) {
          paths.push({ title, hops, end: 'nexthop end not found' });
          continue;
        }
        hops.push({ node: target, via: nh });
        if (target.presence !== 'present') {
          paths.push({ title, hops, end: `${target.title} is ${target.presence}: ${target.note ?? ''}` });
          continue;
        }
        const fdb = view.links(target.id, 'fdb').find((f) => f.to === target.id);
        const port = fdb && view.nodes.get(fdb.from);
        if (!fdb || !port) {
          paths.push({ title, hops, end: 'the bridge has not learned the nexthop MAC (FDB)' });
          continue;
        }
        const rest = acrossVpp(view, port);
        paths.push({
          title,
          hops: [...hops, { node: port, via: fdb }, ...rest.hops],
          end: rest.end ?? `arrives at ${rest.hops.at(-1)?.node.title ?? ''}`,
        });
      }
    }
  }
  return paths;
}

/** The target interface owning the VIP, across VPP to the proxy's port and bridge. */
function leadIn(view: GraphView, graph: PathGraph, table: PathNode, vip: string): Hop[] {
  const owner = graph.nodes.find(
    (n) =>
      n.kind === 'pod-interface' &&
      n.pod !== table.pod &&
      (n.addresses ?? []).some((a) => a.split('/')[0] === vip),
  );
  if (!owner) return [];
  const across = acrossVpp(view, owner);
  const hops: Hop[] = [{ node: owner }, ...across.hops];
  const last = hops.at(-1)?.node;
  const member = last && view.links(last.id, 'bridge-member').find((l) => l.from === last.id);
  const bridge = member && view.nodes.get(member.to);
  if (member && bridge) hops.push({ node: bridge, via: member });
  return hops;
}

/** The traced paths as text, one numbered hop per line with the link that led there and its health. */
export function formatTrace(paths: readonly TracedPath[]): string {
  if (paths.length === 0) return 'no path found on this node for that selection\n';
  const out: string[] = [];
  for (const p of paths) {
    out.push(p.title);
    p.hops.forEach((hop, i) => {
      const n = hop.node;
      const what = describeNode(n);
      const via = hop.via ? `${describeLink(hop.via)}` : '';
      const status = hop.via ? hop.via.health.status : '';
      out.push(`  ${String(i + 1).padStart(2)}. ${what}`);
      if (via) out.push(`        ↳ ${via} [${status}]${problems(hop.via)}`);
    });
    out.push(`  => ${p.end}`, '');
  }
  return out.join('\n');
}

function describeNode(n: PathNode): string {
  const parts: string[] = [];
  if (n.kind === 'pod-interface')
    parts.push(`${n.pod}/${n.interface ?? n.title}${n.role ? ` (${n.role})` : ''}`);
  else if (n.kind === 'vpp-interface') parts.push(`VPP ${n.title}`);
  else if (n.kind === 'remote-node') parts.push(`node ${n.nodeName ?? n.title} ${n.address ?? ''}`.trim());
  else if (n.kind === 'route') parts.push(`${n.title}, rule from ${(n.vips ?? []).join(', ')}`);
  else parts.push(`${n.title} (beyond this node)`);
  if (n.kind !== 'remote-endpoint' && n.mac) parts.push(n.mac);
  if (n.kind === 'pod-interface' && n.addresses) parts.push(n.addresses.join(' '));
  if (n.traffic) {
    const t = n.traffic;
    const counters = [
      t.rxPackets !== undefined ? `rx ${t.rxPackets}` : '',
      t.txPackets !== undefined ? `tx ${t.txPackets}` : '',
      t.drops ? `drops ${t.drops}` : '',
    ].filter((s) => s !== '');
    if (counters.length > 0) parts.push(`(${counters.join(' ')})`);
  }
  if (n.presence !== 'present') parts.push(`[${n.presence}]`);
  return parts.join('  ');
}

function describeLink(l: PathLink): string {
  const d = l.details;
  switch (l.type) {
    case 'tap-peer':
      return `tap-peer, matched by ${l.evidence.join(', ') || 'nothing'}`;
    case 'xconnect':
      return 'L2 xconnect';
    case 'vxlan':
      return `VxLAN VNI ${d.vni} ${d.src} → ${d.dst}`;
    case 'bridge-member':
      return 'bridge port';
    case 'nexthop':
      return `nexthop via ${d.via}${d.dev ? ` dev ${d.dev}` : ''}${d.weight !== undefined ? ` weight ${d.weight}` : ''}${d.neighbourState ? `, neighbour ${d.neighbourState}` : ''}`;
    case 'fdb':
      return `FDB: ${d.mac} is behind this port`;
    case 'vip':
      return `VIP ${d.vip}, routed by the proxy's policy rule`;
  }
}

function problems(l: PathLink | undefined): string {
  return l && l.health.problems.length > 0 ? ` ${l.health.problems.join('; ')}` : '';
}
