import { contentLines, type Parsed, ReportBuilder } from '../parse-report.ts';
import { isInterfaceName, isMac } from './json-input.ts';
import type { PodLink } from './records.ts';

/**
 * Parse the MAC of every interface read from `/sys/class/net/<name>/address`, as `grep -H .` prints
 * them (`/sys/class/net/eth0/address:02:fe:…`) or as `<name> <mac>` lines.
 */
export function parseSysClassNetAddress(text: string): Parsed<PodLink[]> {
  const report = new ReportBuilder();
  const links: PodLink[] = [];
  for (const { line, lineNo } of contentLines(text)) {
    const m =
      /^\/sys\/class\/net\/([^/\s]+)\/address:(\S+)\s*$/.exec(line) ?? /^\s*(\S+)\s+(\S+)\s*$/.exec(line);
    const name = m?.[1];
    const mac = m?.[2];
    if (!isInterfaceName(name) || !isMac(mac)) {
      report.unparsedLine(lineNo, line);
      continue;
    }
    links.push({ name, mac: mac.toLowerCase() });
  }
  return { value: links, report: report.build() };
}
