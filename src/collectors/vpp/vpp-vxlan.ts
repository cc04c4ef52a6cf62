import { defineMetric } from '../../exposition/metric-def.ts';
import { parseShowVxlanTunnel, type VppVxlanTunnel } from '../../parsers/vpp/show-vxlan-tunnel.ts';
import { defineVppCollector, firstByKey, vppLabels } from './collector.ts';

const tunnelInfo = defineMetric({
  name: 'vpp_vxlan_tunnel_info',
  type: 'gauge',
  help: 'VxLAN tunnel of VPP: its interface, instance, outer source/destination IP and UDP ports, VNI, and the node that owns the destination IP (empty when unknown).',
  labels: vppLabels('interface', 'instance', 'src', 'dst', 'src_port', 'dst_port', 'vni', 'remote_node'),
  source: 'show vxlan tunnel raw',
});

export const vppVxlanCollector = defineVppCollector<VppVxlanTunnel[]>({
  command: 'show vxlan tunnel raw',
  cadence: 'state',
  parse: parseShowVxlanTunnel,
  isEmpty: () => false,
  assign: (snapshot, value) => {
    snapshot.rawTunnels = value;
  },
  renderedFrom: (snapshot) => snapshot.tunnels,
  metrics: [tunnelInfo],
  render(w, snapshot) {
    const { node, forwarder, nodeByAddress } = snapshot;
    for (const t of firstByKey(snapshot.tunnels, (x) => x.interfaceName)) {
      const remote = nodeByAddress?.get(t.dst) ?? '';
      w.sample(
        tunnelInfo,
        [
          node,
          forwarder,
          t.interfaceName,
          t.instance,
          t.src,
          t.dst,
          t.srcPort ?? '',
          t.dstPort ?? '',
          t.vni,
          remote,
        ],
        1,
      );
    }
  },
});
