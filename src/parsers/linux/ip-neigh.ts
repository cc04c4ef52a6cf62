import { contentLines, type Parsed, ReportBuilder } from '../parse-report.ts';
import { isMac, jsonArray, str, strings } from './json-input.ts';
import { familyOf, type PodNeighbor } from './records.ts';

/** Parse `ip -json neigh show` (ARP and NDP together). */
export function parseIpNeighJson(text: string): Parsed<PodNeighbor[]> {
  const report = new ReportBuilder();
  const neighbors: PodNeighbor[] = [];
  const items = jsonArray(text, report);
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as Record<string, unknown>;
    const ip = str(item.dst);
    const dev = str(item.dev);
    const states = strings(item.state);
    if (!ip || !dev) {
      report.unparsedLine(i + 1, `neighbour without dst or dev: ${JSON.stringify(item).slice(0, 80)}`);
      continue;
    }
    neighbors.push(neighbor(ip, dev, states, item.router === null || item.router === true, str(item.lladdr)));
  }
  return { value: neighbors, report: report.build() };
}

const STATE_WORD = /^[A-Z_]+$/;

/** Parse the text of `ip neigh show` / `ip -6 neighbour` (`fd00:0:0:1::4 dev bridge0 lladdr … router REACHABLE`). */
export function parseIpNeighText(text: string): Parsed<PodNeighbor[]> {
  const report = new ReportBuilder();
  const neighbors: PodNeighbor[] = [];
  for (const { line, lineNo } of contentLines(text)) {
    const words = line.trim().split(/\s+/);
    const ip = words[0] as string;
    if (!/^[0-9a-fA-F:.]+$/.test(ip) || !ip.match(/[.:]/)) {
      report.unparsedLine(lineNo, line);
      continue;
    }
    let dev: string | undefined;
    let lladdr: string | undefined;
    let router = false;
    const states: string[] = [];
    for (let k = 1; k < words.length; k++) {
      const w = words[k] as string;
      const v = words[k + 1];
      if (w === 'dev' && v !== undefined) {
        dev = v;
        k++;
      } else if (w === 'lladdr' && v !== undefined) {
        lladdr = v;
        k++;
      } else if (
        (w === 'used' || w === 'probes' || w === 'protocol' || w === 'nomaster') &&
        v !== undefined
      ) {
        if (w !== 'nomaster') k++;
      } else if (w === 'router') router = true;
      else if (STATE_WORD.test(w)) states.push(w);
    }
    if (!dev) {
      report.unparsedLine(lineNo, line);
      continue;
    }
    neighbors.push(neighbor(ip, dev, states, router, isMac(lladdr) ? lladdr : undefined));
  }
  return { value: neighbors, report: report.build() };
}

/** ARP flags of /proc/net/arp (include/uapi/linux/if_arp.h). */
const ATF_COM = 0x02;
const ATF_PERM = 0x04;

/**
 * Parse `/proc/net/arp`, the fallback when a pod has no `ip`. It has no NUD state, only flags: an
 * entry without ATF_COM is unresolved (INCOMPLETE or FAILED, which the file does not tell apart: both
 * are reported as INCOMPLETE), ATF_PERM is PERMANENT, any other resolved entry is VALID.
 */
export function parseProcNetArp(text: string): Parsed<PodNeighbor[]> {
  const report = new ReportBuilder();
  const neighbors: PodNeighbor[] = [];
  for (const { line, lineNo } of contentLines(text)) {
    if (/^IP address\s/.test(line)) continue;
    const w = line.trim().split(/\s+/);
    const flags = w[2] !== undefined && /^0x[0-9a-fA-F]+$/.test(w[2]) ? Number.parseInt(w[2], 16) : undefined;
    if (w.length < 6 || !/^\d+\.\d+\.\d+\.\d+$/.test(w[0] as string) || flags === undefined) {
      report.unparsedLine(lineNo, line);
      continue;
    }
    const state = flags & ATF_PERM ? 'PERMANENT' : flags & ATF_COM ? 'VALID' : 'INCOMPLETE';
    const n: PodNeighbor = { family: 'ipv4', ip: w[0] as string, dev: w[5] as string, state, router: false };
    if (flags & ATF_COM && isMac(w[3] as string)) n.lladdr = (w[3] as string).toLowerCase();
    neighbors.push(n);
  }
  return { value: neighbors, report: report.build() };
}

/** One neighbour entry as both `ip neigh` forms describe it; no state word is `NONE`, as ip prints it. */
function neighbor(
  ip: string,
  dev: string,
  states: string[],
  router: boolean,
  lladdr: string | undefined,
): PodNeighbor {
  const n: PodNeighbor = {
    family: familyOf(ip),
    ip,
    dev,
    state: states.length > 0 ? states.join(',') : 'NONE',
    router,
  };
  if (lladdr) n.lladdr = lladdr.toLowerCase();
  return n;
}
