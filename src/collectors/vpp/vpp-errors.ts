import { defineMetric } from '../../exposition/metric-def.ts';
import { parseShowErrors, type VppErrorCounter } from '../../parsers/vpp/show-errors.ts';
import { defineVppCollector, vppLabels } from './collector.ts';

const errors = defineMetric({
  name: 'vpp_errors_total',
  type: 'counter',
  help: 'VPP node error counters, summed over threads; resets on `clear errors`. From the stats segment (/err/<node>/<counter>: reason is the counter name, no severity) or else `show errors` (reason as printed, cut at 35 characters).',
  labels: vppLabels('vpp_node', 'reason', 'severity'),
  source: 'stats segment, show errors',
});

export const vppErrorsCollector = defineVppCollector<VppErrorCounter[]>({
  command: 'show errors',
  cadence: 'state',
  parse: parseShowErrors,
  // VPP prints just the header when every counter is zero.
  isEmpty: () => false,
  assign: (snapshot, value) => {
    snapshot.errors = value;
  },
  renderedFrom: (snapshot) => snapshot.errors,
  metrics: [errors],
  render(w, snapshot) {
    const { node, forwarder } = snapshot;
    for (const e of snapshot.errors ?? []) {
      w.sample(errors, [node, forwarder, e.node, e.reason, e.severity ?? ''], e.count);
    }
  },
});
