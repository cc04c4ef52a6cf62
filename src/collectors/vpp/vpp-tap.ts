import { defineMetric } from '../../exposition/metric-def.ts';
import type { ExpositionWriter } from '../../exposition/writer.ts';
import { parseShowTap, type VppTap } from '../../parsers/vpp/show-tap.ts';
import type { VppSnapshot } from '../../snapshot/vpp-snapshot.ts';
import { defineVppCollector, firstByKey, vppLabels } from './collector.ts';

const SRC = 'show tap';

const info = defineMetric({
  name: 'vpp_tap_info',
  type: 'gauge',
  help: 'VPP tap interface and its Linux side: host interface name, host MAC (the MAC of the pod interface behind the tap), host netns, VPP-side MAC, hw_if_index.',
  labels: vppLabels('interface', 'host_if_name', 'host_mac', 'host_ns', 'mac', 'hw_if_index'),
  source: SRC,
});
const carrier = defineMetric({
  name: 'vpp_tap_carrier_up',
  type: 'gauge',
  help: 'Carrier of the Linux side of the tap (`host-carrier-up`): 1 up, 0 down.',
  labels: vppLabels('interface'),
  source: SRC,
});
const inUse = defineMetric({
  name: 'vpp_tap_virtqueue_descriptors_in_use',
  type: 'gauge',
  help: 'Descriptors in use in a tap virtqueue (`desc_in_use`); near the size means the ring is full.',
  labels: vppLabels('interface', 'queue', 'direction'),
  source: SRC,
});
const size = defineMetric({
  name: 'vpp_tap_virtqueue_size',
  type: 'gauge',
  help: 'Size of a tap virtqueue in descriptors (`qsz`).',
  labels: vppLabels('interface', 'queue', 'direction'),
  source: SRC,
});

export const vppTapCollector = defineVppCollector<VppTap[]>({
  command: 'show tap',
  cadence: 'state',
  parse: parseShowTap,
  // No taps is a valid answer: VPP prints nothing at all then.
  isEmpty: () => false,
  assign: (snapshot, value) => {
    snapshot.taps = value;
  },
  renderedFrom: (snapshot) => snapshot.taps,
  metrics: [info, carrier, inUse, size],
  render: renderTaps,
});

function renderTaps(w: ExpositionWriter, snapshot: VppSnapshot): void {
  const { node, forwarder } = snapshot;
  for (const tap of firstByKey(snapshot.taps, (t) => t.name)) {
    w.sample(
      info,
      [
        node,
        forwarder,
        tap.name,
        tap.hostIfName ?? '',
        tap.hostMac ?? '',
        tap.hostNs ?? '',
        tap.mac ?? '',
        tap.hwIfIndex,
      ],
      1,
    );
    if (tap.hostCarrierUp !== undefined)
      w.sample(carrier, [node, forwarder, tap.name], tap.hostCarrierUp ? 1 : 0);
    for (const q of firstByKey(tap.virtqueues, (v) => `${v.direction}${v.id}`)) {
      const labels = w.labels(inUse, [node, forwarder, tap.name, q.id, q.direction]);
      if (q.descInUse !== undefined) w.sampleWithLabels(inUse, labels, q.descInUse);
      if (q.size !== undefined) w.sampleWithLabels(size, labels, q.size);
    }
  }
}
