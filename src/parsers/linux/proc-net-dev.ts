import { parseCount } from '../../util/numbers.ts';
import { contentLines, type Parsed, ReportBuilder } from '../parse-report.ts';
import { isInterfaceName } from './json-input.ts';
import type { PodLinkCounters } from './records.ts';

/**
 * Parse `/proc/net/dev`: two header lines, then `name: rx(bytes packets errs drop fifo frame compressed
 * multicast) tx(bytes packets errs drop fifo colls carrier compressed)`. A long name may touch its
 * first number (`conduit-a--1b2a:1234`); names cannot contain `:`, so the first colon ends the name.
 */
export function parseProcNetDev(text: string): Parsed<PodLinkCounters[]> {
  const report = new ReportBuilder();
  const counters: PodLinkCounters[] = [];
  for (const { line, lineNo } of contentLines(text)) {
    if (/^\s*(Inter-|face\s*\|)/.test(line)) continue;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : undefined;
    const fields =
      colon > 0
        ? line
            .slice(colon + 1)
            .trim()
            .split(/\s+/)
        : [];
    if (!isInterfaceName(name) || fields.length < 16) {
      report.unparsedLine(lineNo, line);
      continue;
    }
    const n = fields.map((f) => parseCount(f));
    const c: PodLinkCounters = { name };
    const set = (key: keyof Omit<PodLinkCounters, 'name'>, v: number | undefined) => {
      if (v !== undefined) c[key] = v;
      else report.truncated('counter_value', lineNo, line);
    };
    set('rxBytes', n[0]);
    set('rxPackets', n[1]);
    set('rxErrors', n[2]);
    set('rxDropped', n[3]);
    set('txBytes', n[8]);
    set('txPackets', n[9]);
    set('txErrors', n[10]);
    set('txDropped', n[11]);
    counters.push(c);
  }
  return { value: counters, report: report.build() };
}
