import { defineMetric } from '../../exposition/metric-def.ts';
import { parseIpNeighJson, parseIpNeighText, parseProcNetArp } from '../../parsers/linux/ip-neigh.ts';
import type { PodData, PodNeighbor } from '../../parsers/linux/records.ts';
import type { Parsed } from '../../parsers/parse-report.ts';
import { POD_COMMANDS } from '../../sources/pod-commands.ts';
import { firstByKey, type PodCollector, podLabels } from './collector.ts';

const neighborState = defineMetric({
  name: 'meridio_neighbor_state',
  type: 'gauge',
  help: 'ARP/NDP entry of a Meridio pod, value 1, its NUD state in the state label (REACHABLE, STALE, DELAY, PROBE, FAILED, INCOMPLETE, PERMANENT, NOARP; VALID from /proc/net/arp).',
  labels: podLabels('family', 'ip', 'dev', 'lladdr', 'state', 'router'),
  source: 'ip -json neigh show (text: ip neigh show; proc: /proc/net/arp)',
});

const asNeighbors = (r: Parsed<PodNeighbor[]>): Parsed<PodData> => ({
  value: { neighbors: r.value },
  report: r.report,
});

export const podNeighborsCollector: PodCollector = {
  name: 'neighbors',
  parsers: [
    { command: POD_COMMANDS.neighJson, parse: (t) => asNeighbors(parseIpNeighJson(t)) },
    { command: POD_COMMANDS.neighText, parse: (t) => asNeighbors(parseIpNeighText(t)) },
    { command: POD_COMMANDS.procNetArp, parse: (t) => asNeighbors(parseProcNetArp(t)) },
  ],
  metrics: [neighborState],
  render(w, pod, base) {
    for (const n of firstByKey(pod.data.neighbors, (x) => `${x.ip} ${x.dev}`)) {
      w.sample(
        neighborState,
        [...base, n.family, n.ip, n.dev, n.lladdr ?? '', n.state, n.router ? 'true' : 'false'],
        1,
      );
    }
  },
};
