import { defineMetric } from '../../exposition/metric-def.ts';
import { parseIpRouteJson, parseIpRouteText } from '../../parsers/linux/ip-route.ts';
import type { PodData, PodRoute } from '../../parsers/linux/records.ts';
import type { Parsed } from '../../parsers/parse-report.ts';
import { POD_COMMANDS } from '../../sources/pod-commands.ts';
import { type PodCollector, podLabels } from './collector.ts';

const nexthops = defineMetric({
  name: 'meridio_proxy_route_nexthops',
  type: 'gauge',
  help: 'Nexthops of a route of a Meridio pod (0 for unreachable/blackhole/prohibit routes). A proxy VIP table with fewer nexthops than frontends has lost one.',
  labels: podLabels('family', 'table', 'dst', 'type'),
  source: 'ip -json -4|-6 route show table all (text: ip -4|-6 route show table all)',
});

const nexthopInfo = defineMetric({
  name: 'meridio_proxy_route_nexthop_info',
  type: 'gauge',
  help: 'One nexthop of a route of a Meridio pod: gateway, device, weight, and flags such as dead or linkdown.',
  labels: podLabels('family', 'table', 'dst', 'via', 'dev', 'weight', 'flags'),
  source: 'ip -json -4|-6 route show table all (text: ip -4|-6 route show table all)',
});

const asRoutes = (r: Parsed<PodRoute[]>): Parsed<PodData> => ({
  value: { routes: r.value },
  report: r.report,
});

/** Routes without a forwarding nexthop by nature. */
const NO_NEXTHOP_TYPES = new Set(['unreachable', 'blackhole', 'prohibit', 'throw']);

/**
 * The route the kernel uses for each (family, table, dst): the lowest metric. Other routes to the same
 * destination are backups that carry no traffic, and would make two samples with one label set.
 */
export function preferredRoutes(routes: readonly PodRoute[] | undefined): PodRoute[] {
  const best = new Map<string, PodRoute>();
  for (const r of routes ?? []) {
    const key = `${r.family} ${r.table} ${r.dst}`;
    const seen = best.get(key);
    if (!seen || (r.metric ?? 0) < (seen.metric ?? 0)) best.set(key, r);
  }
  return [...best.values()];
}

export const podRoutesCollector: PodCollector = {
  name: 'routes',
  parsers: [
    { command: POD_COMMANDS.route4Json, parse: (t) => asRoutes(parseIpRouteJson(t, 'ipv4')) },
    { command: POD_COMMANDS.route6Json, parse: (t) => asRoutes(parseIpRouteJson(t, 'ipv6')) },
    { command: POD_COMMANDS.route4Text, parse: (t) => asRoutes(parseIpRouteText(t, 'ipv4')) },
    { command: POD_COMMANDS.route6Text, parse: (t) => asRoutes(parseIpRouteText(t, 'ipv6')) },
  ],
  metrics: [nexthops, nexthopInfo],
  render(w, pod, base) {
    for (const r of preferredRoutes(pod.data.routes)) {
      const forwarding = NO_NEXTHOP_TYPES.has(r.type) ? [] : r.nexthops;
      w.sample(nexthops, [...base, r.family, r.table, r.dst, r.type], forwarding.length);
      const seen = new Set<string>();
      for (const nh of forwarding) {
        const key = `${nh.via} ${nh.dev}`;
        if (seen.has(key)) continue;
        seen.add(key);
        w.sample(
          nexthopInfo,
          [
            ...base,
            r.family,
            r.table,
            r.dst,
            nh.via ?? '',
            nh.dev ?? '',
            nh.weight ?? '',
            nh.flags.join(','),
          ],
          1,
        );
      }
    }
  },
};
