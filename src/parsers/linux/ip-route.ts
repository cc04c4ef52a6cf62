import { parseCount } from '../../util/numbers.ts';
import { contentLines, type Parsed, ReportBuilder } from '../parse-report.ts';
import { count, jsonArray, obj, str, strings } from './json-input.ts';
import type { IpFamily, PodNexthop, PodRoute } from './records.ts';

/**
 * Parse `ip -json -4|-6 route show table all`. The main table is the one without a `table` key;
 * multipath routes carry a `nexthops` array, single-path ones a `gateway`/`dev`.
 */
export function parseIpRouteJson(text: string, family: IpFamily): Parsed<PodRoute[]> {
  const report = new ReportBuilder();
  const routes: PodRoute[] = [];
  const items = jsonArray(text, report);
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as Record<string, unknown>;
    const dst = str(item.dst);
    if (!dst) {
      report.unparsedLine(i + 1, `route without dst: ${JSON.stringify(item).slice(0, 80)}`);
      continue;
    }
    const route: PodRoute = {
      family,
      table: str(item.table) ?? (typeof item.table === 'number' ? String(item.table) : 'main'),
      dst,
      type: str(item.type) ?? 'unicast',
      nexthops: [],
    };
    const metric = count(item.metric);
    if (metric !== undefined) route.metric = metric;
    const protocol = str(item.protocol);
    if (protocol) route.protocol = protocol;
    if (Array.isArray(item.nexthops)) {
      for (const n of item.nexthops) {
        const nh = obj(n);
        if (nh) route.nexthops.push(nexthopOf(nh));
      }
    } else if (item.gateway !== undefined || item.dev !== undefined) {
      route.nexthops.push(nexthopOf(item));
    }
    routes.push(route);
  }
  return { value: routes, report: report.build() };
}

function nexthopOf(n: Record<string, unknown>): PodNexthop {
  const nh: PodNexthop = { flags: strings(n.flags) };
  // `via` is an object when the gateway's family differs from the route's (IPv4 via IPv6).
  const via = str(n.gateway) ?? str(obj(n.via)?.host);
  if (via) nh.via = via;
  const dev = str(n.dev);
  if (dev) nh.dev = dev;
  const weight = count(n.weight);
  if (weight !== undefined) nh.weight = weight;
  return nh;
}

const TYPES = new Set([
  'unicast',
  'local',
  'broadcast',
  'multicast',
  'throw',
  'unreachable',
  'prohibit',
  'blackhole',
  'nat',
  'anycast',
]);
/** Words of `ip route` text that stand alone; every other key takes a value. */
const FLAGS = new Set([
  'onlink',
  'pervasive',
  'linkdown',
  'dead',
  'notify',
  'offload',
  'trap',
  'rt_offload',
  'rt_trap',
  'rt_offload_failed',
  'unresolved',
  'cloned',
  'cache',
]);

/**
 * Parse the text of `ip route show [table N|all]` and `ip -6 route …`, including the indented
 * `nexthop via … dev … weight …` lines of multipath routes. `table` is the table of routes that do
 * not name one (`main` for `table all`, N for `show table N`, which omits it).
 */
export function parseIpRouteText(text: string, family: IpFamily, table = 'main'): Parsed<PodRoute[]> {
  const report = new ReportBuilder();
  const routes: PodRoute[] = [];
  let current: PodRoute | undefined;
  for (const { line, lineNo } of contentLines(text)) {
    const words = line.trim().split(/\s+/);
    if (/^\s/.test(line)) {
      if (words[0] === 'nexthop' && current) {
        current.nexthops.push(nexthopFromWords(words.slice(1)));
      } else {
        report.unparsedLine(lineNo, line);
      }
      continue;
    }
    let k = 0;
    let type = 'unicast';
    if (TYPES.has(words[0] as string)) type = words[k++] as string;
    const dst = words[k++];
    if (!dst || !/^(default|[0-9a-fA-F:.]+(\/\d+)?)$/.test(dst)) {
      report.unparsedLine(lineNo, line);
      current = undefined;
      continue;
    }
    current = { family, table, dst, type, nexthops: [] };
    const rest = words.slice(k);
    const single = nexthopFromWords(rest);
    for (let j = 0; j < rest.length; j++) {
      const w = rest[j] as string;
      if (FLAGS.has(w)) continue;
      const v = rest[j + 1];
      if (v === undefined) break;
      if (w === 'table') current.table = v;
      else if (w === 'metric') {
        const metric = parseCount(v);
        if (metric !== undefined) current.metric = metric;
      } else if (w === 'proto') current.protocol = v;
      else if (w === 'via' && (v === 'inet' || v === 'inet6')) j++;
      j++;
    }
    if (single.via !== undefined || single.dev !== undefined) current.nexthops.push(single);
    routes.push(current);
  }
  return { value: routes, report: report.build() };
}

function nexthopFromWords(words: string[]): PodNexthop {
  const nh: PodNexthop = { flags: [] };
  for (let j = 0; j < words.length; j++) {
    const w = words[j] as string;
    if (FLAGS.has(w)) {
      nh.flags.push(w);
      continue;
    }
    let v = words[j + 1];
    if (v === undefined) break;
    if (w === 'via' && (v === 'inet' || v === 'inet6')) {
      j++;
      v = words[j + 1];
      if (v === undefined) break;
    }
    if (w === 'via') nh.via = v;
    else if (w === 'dev') nh.dev = v;
    else if (w === 'weight') {
      const weight = parseCount(v);
      if (weight !== undefined) nh.weight = weight;
    }
    j++;
  }
  return nh;
}
