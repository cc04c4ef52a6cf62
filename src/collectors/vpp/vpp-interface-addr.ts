import { defineMetric } from '../../exposition/metric-def.ts';
import { parseShowInterfaceAddr, type VppInterfaceAddr } from '../../parsers/vpp/show-interface-addr.ts';
import { defineVppCollector, firstByKey, vppLabels } from './collector.ts';

const SRC = 'show interface addr';

const xconnect = defineMetric({
  name: 'vpp_l2_xconnect_info',
  type: 'gauge',
  help: 'L2 cross-connect: frames received on `interface` are sent out of `peer` (`L2 xconnect` line).',
  labels: vppLabels('interface', 'peer'),
  source: SRC,
});
const bridgeMember = defineMetric({
  name: 'vpp_l2_bridge_member_info',
  type: 'gauge',
  help: 'Interface is a member of VPP bridge domain bd_id, with its split-horizon group and BVI flag.',
  labels: vppLabels('interface', 'bd_id', 'shg', 'bvi'),
  source: SRC,
});
const address = defineMetric({
  name: 'vpp_interface_address_info',
  type: 'gauge',
  help: "L3 address configured on a VPP interface (not the donor's addresses VPP repeats under unnumbered ones).",
  labels: vppLabels('interface', 'address', 'prefix_len', 'family', 'table_id'),
  source: SRC,
});
const unnumbered = defineMetric({
  name: 'vpp_interface_unnumbered_info',
  type: 'gauge',
  help: 'Unnumbered interface and the donor interface whose addresses it uses.',
  labels: vppLabels('interface', 'donor'),
  source: SRC,
});

export const vppInterfaceAddrCollector = defineVppCollector<VppInterfaceAddr[]>({
  command: 'show interface addr',
  cadence: 'counters',
  parse: parseShowInterfaceAddr,
  isEmpty: (v) => v.length === 0,
  assign: (snapshot, value) => {
    snapshot.addrs = value;
  },
  renderedFrom: (snapshot) => snapshot.addrs,
  metrics: [xconnect, bridgeMember, address, unnumbered],
  render(w, snapshot) {
    const { node, forwarder } = snapshot;
    for (const a of firstByKey(snapshot.addrs, (i) => i.name)) {
      if (a.xconnectPeer) w.sample(xconnect, [node, forwarder, a.name, a.xconnectPeer], 1);
      if (a.bridge) {
        const b = a.bridge;
        w.sample(bridgeMember, [node, forwarder, a.name, b.bdId, b.shg, b.bvi ? 'true' : 'false'], 1);
      }
      if (a.unnumberedFrom) w.sample(unnumbered, [node, forwarder, a.name, a.unnumberedFrom], 1);
      for (const l3 of firstByKey(a.addresses, (x) => `${x.address}/${x.prefixLen}`)) {
        if (l3.borrowed) continue;
        w.sample(address, [node, forwarder, a.name, l3.address, l3.prefixLen, l3.family, l3.tableId ?? 0], 1);
      }
    }
  },
});
