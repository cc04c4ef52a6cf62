import type { PodNeighbor, PodNexthop, PodRoute } from '../parsers/linux/records.ts';
import type { PodSnapshot } from '../snapshot/pod-snapshot.ts';
import type { PathLink, PathNode } from './graph.ts';
import { makeLink } from './link-health.ts';
import type { NodeIndex } from './node-index.ts';

/** Each bridge port of a pod to its bridge (`master`). */
export function bridgeMemberLinks(index: NodeIndex): PathLink[] {
  const links: PathLink[] = [];
  for (const ref of index.podInterfaces) {
    const master = ref.link.master;
    if (!master) continue;
    const bridge =
      index.podInterface(ref.pod, master)?.node ??
      index.absent(
        `missing:bridge:${ref.pod.target.namespace}/${ref.pod.target.pod}/${master}`,
        'pod-interface',
        'missing',
        `${ref.pod.target.pod}/${master}`,
        `${ref.link.name} names ${master} as its master, which the pod does not have`,
      );
    links.push(makeLink('bridge-member', ref.node, bridge, ['master']));
  }
  return links;
}

/** Tables Linux reserves: a rule looking them up is not a VIP's table. */
const SYSTEM_TABLES = new Set(['main', 'local', 'default', '253', '254', '255']);
const BAD_NEIGHBOUR_STATES = ['FAILED', 'INCOMPLETE'];
const BAD_NEXTHOP_FLAGS = ['dead', 'linkdown'];

/**
 * From each VIP's routing table (a rule `from <VIP> lookup <table>`, as the proxy sets up) to each of
 * its nexthops: the local pod interface owning the address, else what the neighbour entry's MAC says
 * (another pod here, or an endpoint beyond this node), else a missing end.
 */
export function nexthopLinks(index: NodeIndex): PathLink[] {
  const links: PathLink[] = [];
  for (const pod of index.podSnapshots) {
    for (const table of vipTables(pod)) {
      const routeNode = vipTableNode(index, pod, table);
      links.push(...tableLinks(index, pod, routeNode, table));
    }
  }
  return links;
}

/** The node of a proxy's VIP table, shared by its nexthop links and the targets' VIP links. */
function vipTableNode(index: NodeIndex, pod: PodSnapshot, table: VipTable): PathNode {
  const id = `route:${pod.target.namespace}/${pod.target.pod}/${table.family}/${table.table}`;
  return index.node(id, () => ({
    id,
    kind: 'route',
    presence: 'present',
    title: `${pod.target.pod} table ${table.table}`,
    namespace: pod.target.namespace,
    pod: pod.target.pod,
    table: table.table,
    family: table.family,
    vips: table.vips,
    ...(pod.target.role && { role: pod.target.role }),
  }));
}

/**
 * Expected against seen: each VIP a target holds (a host address on its Meridio interface) to the VIP
 * tables of the proxies on this node that route it. A VIP no proxy here has a rule for is a link to a
 * missing end: its replies take the proxy's main table, and the kernel answers "No route to host".
 */
export function vipLinks(index: NodeIndex): PathLink[] {
  const tablesOf = new Map<string, PathNode[]>();
  let proxiesRead = true;
  for (const pod of index.podSnapshots) {
    if (pod.target.role !== 'proxy') continue;
    if (!pod.data.rules) proxiesRead = false;
    for (const table of vipTables(pod)) {
      const node = vipTableNode(index, pod, table);
      for (const vip of table.vips) tablesOf.set(vip, [...(tablesOf.get(vip) ?? []), node]);
    }
  }
  const links: PathLink[] = [];
  for (const pod of index.podSnapshots) {
    if (pod.target.role !== 'target') continue;
    for (const a of pod.data.addresses ?? []) {
      const host =
        (a.family === 'ipv4' && a.prefixLen === 32) || (a.family === 'ipv6' && a.prefixLen === 128);
      if (!host || a.scope === 'link' || a.scope === 'host' || a.interface === 'lo' || a.interface === 'eth0')
        continue;
      const ref = index.podInterface(pod, a.interface);
      if (!ref) continue;
      const details = { vip: a.address };
      const tables = tablesOf.get(a.address) ?? [];
      for (const t of tables) links.push(makeLink('vip', ref.node, t, ['vip-rule'], details));
      if (tables.length > 0) continue;
      const read = proxiesRead && index.podsComplete;
      const missing = index.absent(
        `missing:vip-rule:${a.address}`,
        'route',
        read ? 'missing' : 'unknown',
        `rule from ${a.address}`,
        read
          ? `no proxy on this node has a rule from ${a.address} (${pod.target.pod} holds it on ${a.interface})`
          : 'not every proxy on this node could be read',
      );
      links.push(makeLink('vip', ref.node, missing, [], details));
    }
  }
  return links;
}

/**
 * A proxy whose conduit is not in its spec (no `NSM_CONDUIT`, as with older Meridio manifests) is held
 * to every VIP of its trench.
 */
function trenchVips(
  expected: ReadonlyMap<string, readonly string[]>,
  namespace: string,
  trench: string,
): string[] | undefined {
  const prefix = `${namespace}/${trench}/`;
  const all = [...expected].filter(([key]) => key.startsWith(prefix)).flatMap(([, vips]) => vips);
  return all.length > 0 ? [...new Set(all)] : undefined;
}

/**
 * Each VIP that Meridio's resources give a conduit (the Vips of the Attractors composed of it), to the
 * VIP table that routes it in each proxy of that conduit on this node. A VIP with no rule in a proxy is
 * a link to a missing end: the trench announces it, and that proxy would drop its replies. The far end
 * is a node for the VIP as the cluster declares it, so one VIP is one alert per proxy.
 */
export function expectedVipLinks(
  index: NodeIndex,
  expected: ReadonlyMap<string, readonly string[]>,
): PathLink[] {
  const links: PathLink[] = [];
  for (const pod of index.podSnapshots) {
    const { namespace, trench, conduit, role } = pod.target;
    if (role !== 'proxy' || !trench || !pod.data.rules) continue;
    const vips = conduit
      ? expected.get(`${namespace}/${trench}/${conduit}`)
      : trenchVips(expected, namespace, trench);
    if (!vips || vips.length === 0) continue;
    const tables = vipTables(pod);
    for (const vip of vips) {
      const id = `vip:${namespace}/${trench}/${vip}`;
      const from = index.node(id, () => ({
        id,
        kind: 'remote-endpoint',
        presence: 'present',
        title: `VIP ${vip}`,
        namespace,
        addresses: [vip],
        note: `a Vip of trench ${trench} announced by its Attractors`,
      }));
      const details = { vip, trench };
      const routing = tables.filter((t) => t.vips.some((v) => sameIp(v, vip)));
      for (const t of routing) {
        links.push(makeLink('vip', from, vipTableNode(index, pod, t), ['meridio-vip'], details));
      }
      if (routing.length > 0) continue;
      const missing = index.absent(
        `missing:vip-rule:${namespace}/${pod.target.pod}/${vip}`,
        'route',
        'missing',
        `rule from ${vip} in ${pod.target.pod}`,
        `trench ${trench} announces ${vip}${conduit ? ` through conduit ${conduit}` : ''} (Meridio's Vip and Attractor resources) and proxy ${pod.target.pod} has no rule from it`,
      );
      missing.namespace = namespace;
      missing.pod = pod.target.pod;
      links.push(makeLink('vip', from, missing, [], details));
    }
  }
  return links;
}

interface VipTable {
  family: 'ipv4' | 'ipv6';
  table: string;
  vips: string[];
}

function vipTables(pod: PodSnapshot): VipTable[] {
  const tables = new Map<string, VipTable>();
  // Only a proxy's tables route VIPs towards the frontends; a pod of unknown role may be one.
  const role = pod.target.role;
  if (role !== undefined && role !== 'proxy') return [];
  for (const rule of pod.data.rules ?? []) {
    if (rule.action !== 'lookup' || !rule.table || SYSTEM_TABLES.has(rule.table) || rule.from === 'all')
      continue;
    if (rule.not) continue;
    const key = `${rule.family}/${rule.table}`;
    const vip = rule.from.replace(/\/(32|128)$/, '');
    const t = tables.get(key) ?? { family: rule.family, table: rule.table, vips: [] };
    if (!t.vips.includes(vip)) t.vips.push(vip);
    tables.set(key, t);
  }
  return [...tables.values()];
}

function tableLinks(index: NodeIndex, pod: PodSnapshot, routeNode: PathNode, table: VipTable): PathLink[] {
  const base = { table: table.table, vips: table.vips.join(',') };
  const routes = pod.data.routes;
  if (!routes) {
    const unknown = index.absent(
      `unknown:routes:${routeNode.id}`,
      'remote-endpoint',
      'unknown',
      `nexthops of table ${table.table}`,
      'the routes could not be read',
    );
    return [makeLink('nexthop', routeNode, unknown, [], base)];
  }
  const inTable = routes.filter((r) => r.table === table.table && r.family === table.family);
  const usable = inTable.filter((r) => r.nexthops.some((n) => n.via));
  if (usable.length === 0) {
    const why =
      inTable.length === 0
        ? `table ${table.table} has no route`
        : `table ${table.table} has no nexthop (${inTable.map((r) => `${r.dst} ${r.type}`).join(', ')})`;
    const missing = index.absent(
      `missing:nexthop:${routeNode.id}`,
      'remote-endpoint',
      'missing',
      `nexthop of table ${table.table}`,
      why,
    );
    return [makeLink('nexthop', routeNode, missing, [], base)];
  }
  const links: PathLink[] = [];
  for (const route of usable) {
    for (const nh of route.nexthops) {
      if (nh.via) links.push(nexthopLink(index, pod, routeNode, route, nh, nh.via, base));
    }
  }
  return links;
}

function nexthopLink(
  index: NodeIndex,
  pod: PodSnapshot,
  routeNode: PathNode,
  route: PodRoute,
  nh: PodNexthop,
  via: string,
  base: Record<string, string>,
): PathLink {
  const neighbours = pod.data.neighbors;
  const neighbour = neighbours?.find((n) => sameIp(n.ip, via) && (!nh.dev || n.dev === nh.dev));
  const badNeighbour = neighbour && BAD_NEIGHBOUR_STATES.some((s) => neighbour.state.includes(s));
  const details: Record<string, string | number> = { ...base, dst: route.dst, via };
  if (nh.dev) details.dev = nh.dev;
  if (nh.weight !== undefined) details.weight = nh.weight;
  if (neighbour) details.neighbourState = neighbour.state;
  if (neighbour?.lladdr) details.neighbourMac = neighbour.lladdr.toLowerCase();
  const problems: string[] = [];
  if (badNeighbour) problems.push(`the neighbour entry of ${via} is ${neighbour.state}`);
  const flags = nh.flags.filter((f) => BAD_NEXTHOP_FLAGS.includes(f));
  if (flags.length > 0) problems.push(`nexthop ${via} is ${flags.join(', ')}`);

  const owner = index.podInterfacesByAddress(via).find((r) => r.pod !== pod);
  if (owner) {
    const evidence = ['address'];
    if (neighbour?.lladdr && neighbour.lladdr.toLowerCase() === owner.node.mac) evidence.push('neighbour');
    return makeLink('nexthop', routeNode, owner.node, evidence, details, problems);
  }
  const to = nexthopEnd(index, pod, via, neighbour, neighbours !== undefined);
  return makeLink('nexthop', routeNode, to.node, to.evidence, details, problems);
}

function nexthopEnd(
  index: NodeIndex,
  pod: PodSnapshot,
  via: string,
  neighbour: PodNeighbor | undefined,
  neighboursRead: boolean,
): { node: PathNode; evidence: string[] } {
  const mac = neighbour?.lladdr?.toLowerCase();
  const usable = neighbour && mac && !BAD_NEIGHBOUR_STATES.some((s) => neighbour.state.includes(s));
  if (usable) {
    const local = index.podInterfacesByMac(mac).find((r) => r.pod !== pod);
    return { node: local?.node ?? index.remoteEndpoint(mac, via), evidence: ['neighbour'] };
  }
  if (!neighboursRead) {
    return {
      node: index.absent(
        `unknown:nexthop:${via}`,
        'remote-endpoint',
        'unknown',
        via,
        'the neighbour table could not be read',
      ),
      evidence: [],
    };
  }
  const node = index.absent(
    `missing:nexthop:${via}`,
    'remote-endpoint',
    'missing',
    via,
    neighbour
      ? `no pod on this node has ${via} and its neighbour entry is ${neighbour.state}`
      : `no pod on this node has ${via} and no neighbour entry answers for it`,
  );
  node.addresses = [via];
  return { node, evidence: [] };
}

function sameIp(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Each MAC a bridge learned (or was given) on a port, to the pod interface with that MAC, or to an
 * endpoint beyond this node. Permanent entries are the bridge's own port addresses, not destinations.
 */
export function fdbLinks(index: NodeIndex): PathLink[] {
  const links: PathLink[] = [];
  for (const pod of index.podSnapshots) {
    for (const entry of pod.data.fdb ?? []) {
      if (entry.state === 'permanent' || !entry.bridge) continue;
      const port = index.podInterface(pod, entry.port);
      if (!port) continue;
      const mac = entry.mac.toLowerCase();
      const owner = index.podInterfacesByMac(mac).find((r) => r.pod !== pod);
      const to = owner?.node ?? index.remoteEndpoint(mac, undefined);
      const details: Record<string, string | number> = { mac, bridge: entry.bridge };
      if (entry.state) details.state = entry.state;
      links.push(makeLink('fdb', port.node, to, ['fdb'], details));
    }
  }
  return links;
}
