import { defineMetric, type MetricDef } from '../../exposition/metric-def.ts';
import type { ExpositionWriter } from '../../exposition/writer.ts';
import { parseShowInterface, type VppInterface } from '../../parsers/vpp/show-interface.ts';
import type { VppSnapshot } from '../../snapshot/vpp-snapshot.ts';
import { defineVppCollector, firstByKey, vppLabels } from './collector.ts';

const SRC = 'show interface';
/** Counters come from the stats segment when it is read, else from `show interface`. */
const COUNTER_SRC = 'stats segment, show interface';
const L = vppLabels('interface');

function counter(name: string, vppName: string, what: string): MetricDef {
  return defineMetric({
    name,
    type: 'counter',
    help: `${what} (VPP counter "${vppName}" of \`show interface\`, or its /if/ counter in the stats segment).`,
    labels: L,
    source: COUNTER_SRC,
  });
}

/** VPP counter name → its own family. VPP prints only non-zero counters, so these are zero when absent. */
const DEDICATED: ReadonlyMap<string, MetricDef> = new Map([
  ['rx packets', counter('vpp_interface_rx_packets_total', 'rx packets', 'Packets received')],
  ['rx bytes', counter('vpp_interface_rx_bytes_total', 'rx bytes', 'Bytes received')],
  ['tx packets', counter('vpp_interface_tx_packets_total', 'tx packets', 'Packets transmitted')],
  ['tx bytes', counter('vpp_interface_tx_bytes_total', 'tx bytes', 'Bytes transmitted')],
  ['drops', counter('vpp_interface_drops_total', 'drops', 'Packets dropped')],
  ['punt', counter('vpp_interface_punt_total', 'punt', 'Packets punted to the control plane')],
  ['ip4', counter('vpp_interface_ip4_packets_total', 'ip4', 'IPv4 packets received')],
  ['ip6', counter('vpp_interface_ip6_packets_total', 'ip6', 'IPv6 packets received')],
  ['rx-no-buf', counter('vpp_interface_rx_no_buf_total', 'rx-no-buf', 'Packets lost for lack of buffers')],
  ['rx-miss', counter('vpp_interface_rx_miss_total', 'rx-miss', 'Packets missed by the receive queue')],
  ['rx-error', counter('vpp_interface_rx_error_total', 'rx-error', 'Receive errors')],
  ['tx-error', counter('vpp_interface_tx_error_total', 'tx-error', 'Transmit errors')],
]);
/** VPP up to 18.01 called the punt counter `punts`. */
const ALIASES: Record<string, string> = { punts: 'punt' };
const ALIAS_OF: Record<string, string> = { punt: 'punts' };

const otherPackets = defineMetric({
  name: 'vpp_interface_counter_packets_total',
  type: 'counter',
  help: 'Packets of any other combined VPP interface counter (e.g. rx-unicast, tx-multicast), by counter name.',
  labels: vppLabels('interface', 'counter'),
  source: COUNTER_SRC,
});
const otherBytes = defineMetric({
  name: 'vpp_interface_counter_bytes_total',
  type: 'counter',
  help: 'Bytes of any other combined VPP interface counter (e.g. rx-unicast, tx-multicast), by counter name.',
  labels: vppLabels('interface', 'counter'),
  source: COUNTER_SRC,
});
const otherSimple = defineMetric({
  name: 'vpp_interface_counter_total',
  type: 'counter',
  help: 'Any other simple VPP interface counter (e.g. mpls), by counter name as VPP prints it.',
  labels: vppLabels('interface', 'counter'),
  source: COUNTER_SRC,
});
const info = defineMetric({
  name: 'vpp_interface_info',
  type: 'gauge',
  help: 'One series per VPP interface: sw_if_index, admin state as printed and the four MTUs (L3/IP4/IP6/MPLS).',
  labels: vppLabels('interface', 'sw_if_index', 'state', 'mtu_l3', 'mtu_ip4', 'mtu_ip6', 'mtu_mpls'),
  source: SRC,
});
const adminUp = defineMetric({
  name: 'vpp_interface_admin_up',
  type: 'gauge',
  help: 'Admin state of the VPP interface: 1 up, 0 down or error (State column of `show interface`).',
  labels: L,
  source: SRC,
});

export const vppInterfaceCollector = defineVppCollector<VppInterface[]>({
  command: 'show interface',
  cadence: 'counters',
  parse: parseShowInterface,
  isEmpty: (v) => v.length === 0,
  assign: (snapshot, value) => {
    snapshot.interfaces = value;
  },
  renderedFrom: (snapshot) => snapshot.interfaces,
  metrics: [...DEDICATED.values(), otherPackets, otherBytes, otherSimple, info, adminUp],
  render: renderInterfaces,
});

function renderInterfaces(w: ExpositionWriter, snapshot: VppSnapshot): void {
  const { node, forwarder } = snapshot;
  const infoOut = w.family(info);
  const adminOut = w.family(adminUp);
  const dedicated = [...DEDICATED].map(([vppName, def]) => ({
    vppName,
    alias: ALIAS_OF[vppName],
    out: w.family(def),
  }));
  const interfaces = firstByKey(snapshot.interfaces, (i) => i.name);
  // Indexed loops and Map#forEach: this runs once a cycle, too rarely to be optimized, and an
  // unoptimized for-of allocates per element (per entry array for a Map).
  for (let n = 0; n < interfaces.length; n++) {
    const iface = interfaces[n] as VppInterface;
    const base = [node, forwarder, iface.name];
    const baseLabels = w.labels(adminUp, base);
    const mtu = iface.mtu;
    infoOut.add(
      w.labels(info, [
        ...base,
        iface.swIfIndex,
        iface.state,
        mtu?.l3 ?? '',
        mtu?.ip4 ?? '',
        mtu?.ip6 ?? '',
        mtu?.mpls ?? '',
      ]),
      1,
    );
    adminOut.add(baseLabels, iface.adminUp ? 1 : 0);
    const counters = iface.counters;
    for (let k = 0; k < dedicated.length; k++) {
      const d = dedicated[k] as (typeof dedicated)[number];
      const value = counters.get(d.vppName) ?? (d.alias === undefined ? undefined : counters.get(d.alias));
      // An incomplete block lost lines: only what was read is exported, nothing is assumed zero.
      if (value !== undefined) d.out.add(baseLabels, value);
      else if (!iface.incomplete) d.out.add(baseLabels, 0);
    }
    counters.forEach((value, name) => {
      if (DEDICATED.has(name) || ALIASES[name]) return;
      if (name.endsWith(' packets')) w.sample(otherPackets, [...base, name.slice(0, -8)], value);
      else if (name.endsWith(' bytes')) w.sample(otherBytes, [...base, name.slice(0, -6)], value);
      else w.sample(otherSimple, [...base, name], value);
    });
  }
}
