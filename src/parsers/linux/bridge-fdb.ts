import { parseCount } from '../../util/numbers.ts';
import { contentLines, type Parsed, ReportBuilder } from '../parse-report.ts';
import { count, isMac, jsonArray, str } from './json-input.ts';
import type { PodFdbEntry } from './records.ts';

/** Keys of `bridge fdb` text that take a value. */
const VALUED = new Set(['dev', 'master', 'vlan', 'dst', 'port', 'vni', 'via', 'src_vni', 'nhid']);

/**
 * Parse `bridge -json fdb show`. Only entries of a bridge's forwarding database are kept (those with a
 * `master`); `self` entries are the ports' own multicast filters, not forwarding state.
 */
export function parseBridgeFdbJson(text: string): Parsed<PodFdbEntry[]> {
  const report = new ReportBuilder();
  const entries: PodFdbEntry[] = [];
  const items = jsonArray(text, report);
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as Record<string, unknown>;
    const mac = str(item.mac);
    const port = str(item.ifname) ?? str(item.dev);
    if (!isMac(mac) || !port) {
      report.unparsedLine(i + 1, `fdb entry without mac or port: ${JSON.stringify(item).slice(0, 80)}`);
      continue;
    }
    const bridge = str(item.master);
    if (!bridge) continue;
    const entry: PodFdbEntry = { mac: mac.toLowerCase(), port, bridge, state: str(item.state) ?? '' };
    const vlan = count(item.vlan);
    if (vlan !== undefined) entry.vlan = vlan;
    entries.push(entry);
  }
  return { value: entries, report: report.build() };
}

/** Parse the text of `bridge fdb show` (`02:fe:c2:14:ec:dd dev proxy.cond-97e3 master bridge0`). */
export function parseBridgeFdbText(text: string): Parsed<PodFdbEntry[]> {
  const report = new ReportBuilder();
  const entries: PodFdbEntry[] = [];
  for (const { line, lineNo } of contentLines(text)) {
    const words = line.trim().split(/\s+/);
    const mac = words[0] as string;
    if (!isMac(mac)) {
      report.unparsedLine(lineNo, line);
      continue;
    }
    let port: string | undefined;
    let bridge: string | undefined;
    let vlan: number | undefined;
    let state = '';
    for (let k = 1; k < words.length; k++) {
      const w = words[k] as string;
      const v = words[k + 1];
      if (w === 'permanent' || w === 'static') state = w;
      else if (VALUED.has(w) && v !== undefined) {
        if (w === 'dev') port = v;
        else if (w === 'master') bridge = v;
        else if (w === 'vlan') vlan = parseCount(v);
        k++;
      }
      // Other words are flags (self, offload, extern_learn, sticky…).
    }
    if (!port) {
      report.unparsedLine(lineNo, line);
      continue;
    }
    if (!bridge) continue;
    const entry: PodFdbEntry = { mac: mac.toLowerCase(), port, bridge, state };
    if (vlan !== undefined) entry.vlan = vlan;
    entries.push(entry);
  }
  return { value: entries, report: report.build() };
}
