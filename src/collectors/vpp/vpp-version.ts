import { defineMetric } from '../../exposition/metric-def.ts';
import { parseShowVersion, type VppVersion } from '../../parsers/vpp/show-version.ts';
import { defineVppCollector, vppLabels } from './collector.ts';

const versionInfo = defineMetric({
  name: 'vpp_version_info',
  type: 'gauge',
  help: 'Version of the VPP the forwarder runs, and its build date as printed.',
  labels: vppLabels('version', 'build_date'),
  source: 'show version',
});

export const vppVersionCollector = defineVppCollector<VppVersion | undefined>({
  command: 'show version',
  cadence: 'state',
  parse: parseShowVersion,
  isEmpty: (v) => v === undefined,
  assign: (snapshot, value) => {
    if (value) snapshot.version = value;
  },
  renderedFrom: (snapshot) => snapshot.version,
  metrics: [versionInfo],
  render(w, snapshot) {
    const v = snapshot.version;
    if (v) w.sample(versionInfo, [snapshot.node, snapshot.forwarder, v.version, v.buildDate ?? ''], 1);
  },
});
