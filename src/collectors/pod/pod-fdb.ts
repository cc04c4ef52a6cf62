import { defineMetric } from '../../exposition/metric-def.ts';
import { parseBridgeFdbJson, parseBridgeFdbText } from '../../parsers/linux/bridge-fdb.ts';
import type { PodData, PodFdbEntry } from '../../parsers/linux/records.ts';
import type { Parsed } from '../../parsers/parse-report.ts';
import { POD_COMMANDS } from '../../sources/pod-commands.ts';
import { firstByKey, type PodCollector, podLabels } from './collector.ts';

const entryInfo = defineMetric({
  name: 'meridio_bridge_fdb_entry_info',
  type: 'gauge',
  help: 'Forwarding database entry of a bridge in a Meridio pod: the MAC is reachable via this port (state permanent for the ports own MACs, empty when learned).',
  labels: podLabels('bridge', 'port', 'mac', 'vlan', 'state'),
  source: 'bridge -json fdb show (text: bridge fdb show)',
});

const entries = defineMetric({
  name: 'meridio_bridge_fdb_entries',
  type: 'gauge',
  help: 'Forwarding database entries per bridge port of a Meridio pod.',
  labels: podLabels('bridge', 'port'),
  source: 'bridge -json fdb show (text: bridge fdb show)',
});

const asFdb = (r: Parsed<PodFdbEntry[]>): Parsed<PodData> => ({ value: { fdb: r.value }, report: r.report });

export const podFdbCollector: PodCollector = {
  name: 'fdb',
  parsers: [
    { command: POD_COMMANDS.fdbJson, parse: (t) => asFdb(parseBridgeFdbJson(t)) },
    { command: POD_COMMANDS.fdbText, parse: (t) => asFdb(parseBridgeFdbText(t)) },
  ],
  metrics: [entryInfo, entries],
  render(w, pod, base) {
    if (!pod.data.fdb) return;
    const perPort = new Map<string, { bridge: string; port: string; n: number }>();
    for (const e of firstByKey(pod.data.fdb, (x) => `${x.bridge} ${x.port} ${x.mac} ${x.vlan ?? ''}`)) {
      w.sample(entryInfo, [...base, e.bridge, e.port, e.mac, e.vlan ?? '', e.state], 1);
      const key = `${e.bridge} ${e.port}`;
      const p = perPort.get(key) ?? { bridge: e.bridge, port: e.port, n: 0 };
      p.n++;
      perPort.set(key, p);
    }
    for (const p of perPort.values()) w.sample(entries, [...base, p.bridge, p.port], p.n);
  },
};
