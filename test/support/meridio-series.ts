/**
 * The series a healthy Meridio cluster gives Prometheus, built from a topology of trenches, conduits,
 * attractors and pods across nodes: what every node's agent would expose (label sets as the exporter
 * writes them). The alert rule tests run every rule over them (nothing may fire) and over them with one
 * fault injected (exactly its alert fires).
 *
 * Modelled on Meridio: a proxy per conduit on every node (a DaemonSet), one VIP table per VIP and
 * family with one nexthop per frontend of the conduit (frontends serve the attractor that composes the
 * conduit; they may run on other nodes), a bridge whose FDB has the MAC of every target of the trench on
 * the node, and NSM's VPP cross-connecting a frontend's tap with the proxy's, or with a VxLAN tunnel
 * when they are on different nodes.
 */

export type Labels = Record<string, string>;
export type Family = 'ipv4' | 'ipv6';

export interface ConduitShape {
  name: string;
  /** The attractor composed of this conduit, and the nodes of its frontends (none: not deployed yet). */
  attractor: string;
  frontendNodes: string[];
}

export interface TrenchShape {
  name: string;
  /** The VIPs the trench's attractors announce, one address per family. */
  vips: Partial<Record<Family, string>>[];
  conduits: ConduitShape[];
  /** Nodes with a target of this trench. */
  targetNodes: string[];
}

export interface Topology {
  name: string;
  namespace: string;
  nodes: string[];
  trenches: TrenchShape[];
}

/** One series: its name, labels and promtool values. */
export interface Series {
  name: string;
  labels: Labels;
  values: string;
}

/** How long the healthy series run, in promtool's 1-minute steps: longer than every rule's `for:`. */
export const STEPS = 40;
const FLAT = (v: number | string) => `${v}x${STEPS}`;

export function seriesText(s: Series): string {
  const labels = Object.entries(s.labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  return `${s.name}{${labels}}`;
}

const suffix = (node: string) => node.replace(/^worker-/, '');
export const forwarder = (node: string) => `forwarder-vpp-${node}`;
export const proxyPod = (conduit: string, node: string) => `proxy-${conduit}-${suffix(node)}`;
export const frontendPod = (attractor: string, node: string) =>
  `stateless-lb-frontend-${attractor}-${suffix(node)}`;
export const targetPod = (trench: string, node: string) => `target-${trench}-${suffix(node)}`;

/** The labels every series of a Meridio pod carries (trench and conduit as discovery gives them). */
export function podBase(t: Topology, node: string, pod: string, trench: string, conduit = ''): Labels {
  return { node, namespace: t.namespace, pod, trench, ...(conduit && { conduit }) };
}

/** A stable address per (conduit, frontend node, family): the frontend's end of the conduit network. */
function frontendAddress(conduitIndex: number, frontendIndex: number, family: Family): string {
  return family === 'ipv4'
    ? `172.16.${conduitIndex + 1}.${frontendIndex + 2}`
    : `fd00:0:0:${conduitIndex + 1}::${frontendIndex + 2}`;
}

function mac(...parts: number[]): string {
  return `02:fe:${parts.map((p) => (p % 256).toString(16).padStart(2, '0')).join(':')}`.slice(0, 17);
}

/** Every conduit of the topology with its trench and a global index (addresses, MACs). */
export function conduitsOf(t: Topology): { trench: TrenchShape; conduit: ConduitShape; index: number }[] {
  return t.trenches
    .flatMap((trench) => trench.conduits.map((conduit) => ({ trench, conduit })))
    .map((c, index) => ({
      ...c,
      index,
    }));
}

/** The VIP tables of a conduit's proxies: one per VIP and family, numbered from 1 as Meridio does. */
export function vipTables(trench: TrenchShape): { family: Family; vip: string; table: string }[] {
  const families: Family[] = ['ipv4', 'ipv6'];
  return trench.vips
    .flatMap((vip) => families.flatMap((f) => (vip[f] ? [{ family: f, vip: vip[f] as string }] : [])))
    .map((v, i) => ({
      ...v,
      table: String(i + 1),
    }));
}

/** The series of a healthy topology, every node's agent included. */
export function healthySeries(t: Topology): Series[] {
  const out: Series[] = [];
  const add = (name: string, labels: Labels, values: string = FLAT(1)) => out.push({ name, labels, values });
  const gateway = (base: Labels) => {
    add('meridio_proxy_rule_info', {
      ...base,
      family: 'ipv4',
      priority: '32766',
      from: 'all',
      action: 'lookup',
      table: 'main',
    });
    add('meridio_proxy_route_nexthops', {
      ...base,
      family: 'ipv4',
      table: 'main',
      dst: 'default',
      type: 'unicast',
    });
    add('meridio_proxy_route_nexthop_info', {
      ...base,
      family: 'ipv4',
      table: 'main',
      dst: 'default',
      via: '10.244.0.1',
      dev: 'eth0',
      weight: '1',
    });
    add('meridio_neighbor_state', {
      ...base,
      family: 'ipv4',
      ip: '10.244.0.1',
      dev: 'eth0',
      lladdr: '02:42:ac:11:00:01',
      state: 'REACHABLE',
      router: 'false',
    });
    add('meridio_pod_interface_info', {
      ...base,
      interface: 'lo',
      mac: '00:00:00:00:00:00',
      mtu: '65536',
      operstate: 'UNKNOWN',
    });
    add('meridio_pod_interface_info', {
      ...base,
      interface: 'eth0',
      mac: mac(0xee, out.length >> 8, out.length, 1),
      mtu: '1500',
      operstate: 'UP',
    });
  };
  const read = (node: string, labels: Labels, commands: string[]) => {
    for (const command of commands)
      add('meridio_path_exporter_collect_success', { node, ...labels, command });
  };
  for (const node of t.nodes) {
    add('up', {
      job: 'meridio-path-exporter',
      instance: `${node}:9847`,
      exporter_pod: `meridio-path-exporter-${suffix(node)}`,
    });
    add('meridio_path_exporter_discovery_synced', { node });
    add(
      'meridio_path_exporter_discovery_failures_total',
      { node, resource: 'vips', reason: 'not_found' },
      '0+0x40',
    );
    read(node, { source: 'vpp', forwarder: forwarder(node) }, [
      'show interface',
      'show tap',
      'show mode',
      'show vxlan tunnel raw',
    ]);
  }
  /** Per node: the VPP interfaces made so far (tapN, vxlan_tunnelN). */
  const vppIndex = new Map<string, { tap: number; tunnel: number }>();
  const nextIf = (node: string, kind: 'tap' | 'tunnel') => {
    const i = vppIndex.get(node) ?? { tap: 0, tunnel: 0 };
    vppIndex.set(node, i);
    return kind === 'tap' ? `tap${i.tap++}` : `vxlan_tunnel${i.tunnel++}`;
  };
  const vppInterface = (node: string, iface: string, tap?: { hostIf: string; hostMac: string }) => {
    const v = { node, forwarder: forwarder(node) };
    add('vpp_interface_info', { ...v, interface: iface, state: 'up' });
    add('vpp_interface_admin_up', { ...v, interface: iface });
    add('vpp_interface_drops_total', { ...v, interface: iface }, '0+0x40');
    if (tap) {
      add('vpp_tap_info', { ...v, interface: iface, host_if_name: tap.hostIf, host_mac: tap.hostMac });
      add('vpp_tap_carrier_up', { ...v, interface: iface });
    }
  };
  const xconnect = (node: string, a: string, b: string) => {
    const v = { node, forwarder: forwarder(node) };
    add('vpp_l2_xconnect_info', { ...v, interface: a, peer: b });
    add('vpp_l2_xconnect_info', { ...v, interface: b, peer: a });
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      const link = { node, type: 'xconnect', from: `vpp:${from}`, to: `vpp:${to}` };
      add('meridio_path_link_info', {
        ...link,
        from_kind: 'vpp-interface',
        from_interface: from,
        to_kind: 'vpp-interface',
        to_presence: 'present',
      });
      add('meridio_path_link_up', link);
    }
  };

  for (const { trench, conduit, index } of conduitsOf(t)) {
    const tables = vipTables(trench);
    for (const node of t.nodes) {
      const pod = proxyPod(conduit.name, node);
      const base = podBase(t, node, pod, trench.name, conduit.name);
      add('meridio_pod_info', { ...base, role: 'proxy', source: 'netns', form: 'json' });
      read(node, { source: 'pod', namespace: t.namespace, pod }, [
        'ip -json rule show',
        'ip -json route show table all',
      ]);
      gateway(base);
      const bridgeMac = mac(0xb0, index, t.nodes.indexOf(node), 0);
      add('meridio_bridge_fdb_entry_info', {
        ...base,
        bridge: 'bridge0',
        port: 'bridge0',
        mac: bridgeMac,
        state: 'permanent',
      });
      for (const { family, vip, table } of tables) {
        add('meridio_proxy_rule_info', {
          ...base,
          family,
          priority: '32765',
          from: vip,
          action: 'lookup',
          table,
        });
        if (conduit.frontendNodes.length === 0) continue;
        add(
          'meridio_proxy_route_nexthops',
          { ...base, family, table, dst: 'default', type: 'unicast' },
          FLAT(conduit.frontendNodes.length),
        );
        conduit.frontendNodes.forEach((_, fi) => {
          const via = frontendAddress(index, fi, family);
          add('meridio_proxy_route_nexthop_info', {
            ...base,
            family,
            table,
            dst: 'default',
            via,
            dev: 'bridge0',
            weight: '1',
          });
          // One neighbour entry per address, however many VIP tables route through it.
          const known = out.some(
            (x) => x.name === 'meridio_neighbor_state' && x.labels.pod === pod && x.labels.ip === via,
          );
          if (!known) {
            add('meridio_neighbor_state', {
              ...base,
              family,
              ip: via,
              dev: 'bridge0',
              lladdr: mac(0xfe, index, fi, 1),
              state: 'REACHABLE',
              router: 'false',
            });
          }
        });
      }
      // The targets of the trench on this node: their conduit interface's MAC is learned by the bridge.
      if (trench.targetNodes.includes(node)) {
        add('meridio_bridge_fdb_entry_info', {
          ...base,
          bridge: 'bridge0',
          port: `tap-${targetPod(trench.name, node)}`.slice(0, 15),
          mac: targetMac(t, trench.name, conduit.name, node),
        });
      }
      // NSM: the proxy's tap towards each frontend, cross-connected with the frontend's tap on the same
      // node or with a VxLAN tunnel to the frontend's node.
      conduit.frontendNodes.forEach((feNode, fi) => {
        const proxyTap = nextIf(node, 'tap');
        vppInterface(node, proxyTap, {
          hostIf: `${conduit.name}-${fi}`.slice(0, 15),
          hostMac: mac(0xa0, index, fi, t.nodes.indexOf(node)),
        });
        if (feNode === node) {
          const feTap = nextIf(node, 'tap');
          vppInterface(node, feTap, { hostIf: 'nsm-1', hostMac: mac(0xfe, index, fi, 1) });
          xconnect(node, proxyTap, feTap);
        } else {
          const tunnel = nextIf(node, 'tunnel');
          vppInterface(node, tunnel);
          add('vpp_vxlan_tunnel_info', {
            node,
            forwarder: forwarder(node),
            interface: tunnel,
            src: `172.18.0.${t.nodes.indexOf(node) + 2}`,
            dst: `172.18.0.${t.nodes.indexOf(feNode) + 2}`,
            vni: String(1000 + index * 16 + fi),
            remote_node: feNode,
          });
          xconnect(node, proxyTap, tunnel);
        }
      });
    }
    for (const node of conduit.frontendNodes) {
      const pod = frontendPod(conduit.attractor, node);
      const base = podBase(t, node, pod, trench.name, conduit.name);
      add('meridio_pod_info', {
        ...base,
        role: 'stateless-lb-frontend',
        attractor: conduit.attractor,
        source: 'netns',
        form: 'json',
      });
      read(node, { source: 'pod', namespace: t.namespace, pod }, ['ip -json rule show']);
      gateway(base);
    }
  }
  for (const trench of t.trenches) {
    for (const node of trench.targetNodes) {
      const pod = targetPod(trench.name, node);
      const base = podBase(t, node, pod, trench.name);
      add('meridio_pod_info', { ...base, role: 'target', source: 'netns', form: 'json' });
      read(node, { source: 'pod', namespace: t.namespace, pod }, ['ip -json -stats -details link show']);
      gateway(base);
      trench.conduits.forEach((c, i) => {
        add('meridio_pod_interface_info', {
          ...base,
          interface: `nsm-${i + 1}`,
          mac: targetMac(t, trench.name, c.name, node),
          mtu: '1500',
          operstate: 'UP',
        });
      });
    }
  }
  return out;
}

/** The MAC of a target's interface towards a conduit. */
export function targetMac(t: Topology, trench: string, conduit: string, node: string): string {
  const c = conduitsOf(t).find((x) => x.trench.name === trench && x.conduit.name === conduit);
  return mac(0xc0, c?.index ?? 0, t.nodes.indexOf(node), 2);
}

/**
 * Meridio's usual shapes: two trenches in one namespace, one dual-stack with two conduits and two
 * attractors, one IPv4-only; frontends on this node and on others; a conduit whose attractor has no
 * frontend yet; a trench whose frontends all run on other nodes.
 */
export const TOPOLOGIES: Topology[] = [
  {
    name: 'two trenches in one namespace: dual-stack with two conduits and two attractors, IPv4-only',
    namespace: 'red',
    nodes: ['worker-a', 'worker-b', 'worker-c'],
    trenches: [
      {
        name: 'trench-a',
        vips: [{ ipv4: '20.0.0.1/32', ipv6: '2000::1/128' }, { ipv4: '40.0.0.0/24' }],
        conduits: [
          { name: 'conduit-a-1', attractor: 'attractor-a-1', frontendNodes: ['worker-a', 'worker-b'] },
          { name: 'conduit-a-2', attractor: 'attractor-a-2', frontendNodes: ['worker-b', 'worker-c'] },
        ],
        targetNodes: ['worker-a', 'worker-b', 'worker-c'],
      },
      {
        name: 'trench-b',
        vips: [{ ipv4: '30.0.0.1/32' }],
        conduits: [{ name: 'conduit-b-1', attractor: 'attractor-b-1', frontendNodes: ['worker-c'] }],
        targetNodes: ['worker-a', 'worker-c'],
      },
    ],
  },
  {
    name: 'a conduit whose attractor has no frontend yet, beside a healthy one',
    namespace: 'blue',
    nodes: ['worker-a', 'worker-b'],
    trenches: [
      {
        name: 'trench-c',
        vips: [{ ipv4: '50.0.0.1/32', ipv6: '5000::1/128' }],
        conduits: [
          { name: 'conduit-c-1', attractor: 'attractor-c-1', frontendNodes: ['worker-a', 'worker-b'] },
          { name: 'conduit-c-2', attractor: 'attractor-c-2', frontendNodes: [] },
        ],
        targetNodes: ['worker-a', 'worker-b'],
      },
    ],
  },
  {
    name: 'an IPv6-only trench whose frontends all run on other nodes',
    namespace: 'green',
    nodes: ['worker-a', 'worker-b', 'worker-c'],
    trenches: [
      {
        name: 'trench-g',
        vips: [{ ipv6: '6000::1/128' }],
        conduits: [
          { name: 'conduit-g-1', attractor: 'attractor-g-1', frontendNodes: ['worker-b', 'worker-c'] },
        ],
        targetNodes: ['worker-a'],
      },
    ],
  },
];
