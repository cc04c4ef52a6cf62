import { parseCount } from '../../util/numbers.ts';
import { contentLines, type Parsed, ReportBuilder } from '../parse-report.ts';
import { count, isInterfaceName, isMac, namedLinks, str } from './json-input.ts';
import type { IpFamily, PodAddress, PodLink } from './records.ts';

/** Parse `ip -json addr show`: the addresses of every link. */
export function parseIpAddrJson(text: string): Parsed<{ addresses: PodAddress[] }> {
  const report = new ReportBuilder();
  const addresses: PodAddress[] = [];
  for (const { item, name } of namedLinks(text, report)) {
    const infos = Array.isArray(item.addr_info) ? item.addr_info : [];
    for (const info of infos) {
      const a = info as Record<string, unknown>;
      const family: IpFamily | undefined =
        a.family === 'inet' ? 'ipv4' : a.family === 'inet6' ? 'ipv6' : undefined;
      const address = str(a.local);
      const prefixLen = count(a.prefixlen);
      if (!family || !address || prefixLen === undefined) continue;
      const rec: PodAddress = { interface: name, family, address, prefixLen };
      const scope = str(a.scope);
      if (scope) rec.scope = scope;
      addresses.push(rec);
    }
  }
  return { value: { addresses }, report: report.build() };
}

const LINK_LINE = /^(\d+): ([^\s:@]+)(?:@\S+)?: <([^>]*)>(.*)$/;
const ADDR_LINE = /^\s+(inet6?) ([0-9a-fA-F:.]+)(?:\/(\d+))?(?: peer \S+)?(?: brd \S+)?(?: scope (\S+))?/;
/** Continuation lines of `ip addr` that carry nothing we export. */
const IGNORED = /^\s+(valid_lft|altname|link-netns|link-netnsid|prop|alias)\b/;

/**
 * Parse the text of `ip addr show` (iproute2 and BusyBox): links with flags, MTU, master, state and MAC,
 * and their addresses. This is the form the guide shows (`ip a`).
 */
export function parseIpAddrText(text: string): Parsed<{ links: PodLink[]; addresses: PodAddress[] }> {
  const report = new ReportBuilder();
  const links: PodLink[] = [];
  const addresses: PodAddress[] = [];
  let current: PodLink | undefined;
  for (const { line, lineNo } of contentLines(text)) {
    const head = LINK_LINE.exec(line);
    if (head) {
      const name = head[2] as string;
      if (!isInterfaceName(name)) {
        report.unparsedLine(lineNo, line);
        current = undefined;
        continue;
      }
      current = { name, flags: (head[3] as string).split(',').filter((f) => f !== '') };
      const rest = (head[4] as string).trim().split(/\s+/);
      for (let k = 0; k + 1 < rest.length; k++) {
        const key = rest[k];
        const value = rest[k + 1] as string;
        if (key === 'mtu') {
          const mtu = parseCount(value);
          if (mtu !== undefined) current.mtu = mtu;
          k++;
        } else if (key === 'master') {
          current.master = value;
          k++;
        } else if (key === 'state') {
          current.operstate = value;
          k++;
        }
      }
      links.push(current);
      continue;
    }
    if (!current) {
      report.unparsedLine(lineNo, line);
      continue;
    }
    const link = /^\s+link\/(\S+)(?: (\S+))?/.exec(line);
    if (link) {
      const mac = link[2];
      if (isMac(mac)) current.mac = mac.toLowerCase();
      continue;
    }
    const addr = ADDR_LINE.exec(line);
    if (addr) {
      const family: IpFamily = addr[1] === 'inet6' ? 'ipv6' : 'ipv4';
      const prefixLen = addr[3] !== undefined ? parseCount(addr[3]) : family === 'ipv4' ? 32 : 128;
      if (prefixLen === undefined) {
        report.unparsedLine(lineNo, line);
        continue;
      }
      const rec: PodAddress = { interface: current.name, family, address: addr[2] as string, prefixLen };
      if (addr[4]) rec.scope = addr[4];
      addresses.push(rec);
      continue;
    }
    if (IGNORED.test(line)) continue;
    report.unparsedLine(lineNo, line);
  }
  return { value: { links, addresses }, report: report.build() };
}
