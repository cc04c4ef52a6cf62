import { parseCount } from '../../util/numbers.ts';
import { contentLines, type Parsed, ReportBuilder } from '../parse-report.ts';
import { count, jsonArray, str } from './json-input.ts';
import type { IpFamily, PodRule } from './records.ts';

const ACTIONS = new Set(['blackhole', 'unreachable', 'prohibit', 'goto', 'nat']);

/** Parse `ip -json -4|-6 rule show`. The family comes from the command: the output does not carry it. */
export function parseIpRuleJson(text: string, family: IpFamily): Parsed<PodRule[]> {
  const report = new ReportBuilder();
  const rules: PodRule[] = [];
  const items = jsonArray(text, report);
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as Record<string, unknown>;
    const priority = count(item.priority);
    if (priority === undefined) {
      report.unparsedLine(i + 1, `rule without priority: ${JSON.stringify(item).slice(0, 80)}`);
      continue;
    }
    const src = str(item.src) ?? 'all';
    const srclen = count(item.srclen);
    const rule: PodRule = {
      family,
      priority,
      from: src !== 'all' && srclen !== undefined && srclen !== fullLength(family) ? `${src}/${srclen}` : src,
      action: 'lookup',
    };
    const dst = str(item.dst);
    if (dst) {
      const dstlen = count(item.dstlen);
      rule.to = dstlen !== undefined && dstlen !== fullLength(family) ? `${dst}/${dstlen}` : dst;
    }
    const iif = str(item.iif);
    if (iif) rule.iif = iif;
    const oif = str(item.oif);
    if (oif) rule.oif = oif;
    const fwmark = str(item.fwmark);
    if (fwmark) rule.fwmark = fwmark;
    if (item.not === null || item.not === true) rule.not = true;
    const table = str(item.table) ?? (typeof item.table === 'number' ? String(item.table) : undefined);
    if (table) rule.table = table;
    const action = str(item.action);
    if (action && ACTIONS.has(action)) rule.action = action;
    rules.push(rule);
  }
  return { value: rules, report: report.build() };
}

/** Keys of `ip rule` text that take a value; every other word is a flag. */
const VALUED = new Set([
  'from',
  'to',
  'tos',
  'dsfield',
  'fwmark',
  'iif',
  'oif',
  'lookup',
  'table',
  'realms',
  'goto',
  'nat',
  'map-to',
  'suppress_prefixlength',
  'suppress_ifgroup',
  'uidrange',
  'ipproto',
  'sport',
  'dport',
  'proto',
  'tun_id',
  'pref',
  'priority',
  'order',
]);

/** Parse the text of `ip rule show` / `ip -6 rule` (`32765:\tfrom 20.0.0.1 lookup 1`). */
export function parseIpRuleText(text: string, family: IpFamily): Parsed<PodRule[]> {
  const report = new ReportBuilder();
  const rules: PodRule[] = [];
  for (const { line, lineNo } of contentLines(text)) {
    const m = /^(\d+):\s+(.*)$/.exec(line);
    const priority = m ? parseCount(m[1] as string) : undefined;
    if (!m || priority === undefined) {
      report.unparsedLine(lineNo, line);
      continue;
    }
    const words = (m[2] as string).trim().split(/\s+/);
    const rule: PodRule = { family, priority, from: 'all', action: 'lookup' };
    let understood = false;
    for (let k = 0; k < words.length; k++) {
      const w = words[k] as string;
      const next = words[k + 1];
      if (w === 'not') rule.not = true;
      else if (ACTIONS.has(w) && w !== 'goto' && w !== 'nat') rule.action = w;
      else if (VALUED.has(w) && next !== undefined) {
        if (w === 'from') rule.from = next;
        else if (w === 'to') rule.to = next;
        else if (w === 'iif') rule.iif = next;
        else if (w === 'oif') rule.oif = next;
        else if (w === 'fwmark') rule.fwmark = next;
        else if (w === 'lookup' || w === 'table') rule.table = next;
        else if (w === 'goto' || w === 'nat') rule.action = w;
        if (w === 'from' || w === 'lookup' || w === 'table') understood = true;
        k++;
      }
    }
    if (!understood && rule.action === 'lookup') {
      report.unparsedLine(lineNo, line);
      continue;
    }
    rules.push(rule);
  }
  return { value: rules, report: report.build() };
}

function fullLength(family: IpFamily): number {
  return family === 'ipv4' ? 32 : 128;
}
