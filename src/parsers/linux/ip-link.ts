import { type Parsed, ReportBuilder } from '../parse-report.ts';
import { count, namedLinks, obj, str, strings } from './json-input.ts';
import type { PodLink, PodLinkCounters } from './records.ts';

/** Parse `ip -json -stats -details link show`: every link with its state and its counters. */
export function parseIpLinkJson(text: string): Parsed<{ links: PodLink[]; counters: PodLinkCounters[] }> {
  const report = new ReportBuilder();
  const links: PodLink[] = [];
  const counters: PodLinkCounters[] = [];
  for (const { item, name } of namedLinks(text, report)) {
    const link: PodLink = { name, flags: strings(item.flags) };
    const mac = str(item.address);
    if (mac && item.link_type !== 'none') link.mac = mac.toLowerCase();
    const mtu = count(item.mtu);
    if (mtu !== undefined) link.mtu = mtu;
    const operstate = str(item.operstate);
    if (operstate) link.operstate = operstate;
    const master = str(item.master);
    if (master) link.master = master;
    const kind = str(obj(item.linkinfo)?.info_kind);
    if (kind) link.kind = kind;
    const ifindex = count(item.ifindex);
    if (ifindex !== undefined) link.ifindex = ifindex;
    const peerIfindex = count(item.link_index);
    if (peerIfindex !== undefined) link.peerIfindex = peerIfindex;
    const peerNetnsId = count(item.link_netnsid);
    if (peerNetnsId !== undefined) link.peerNetnsId = peerNetnsId;
    links.push(link);
    const stats = obj(item.stats64) ?? obj(item.stats);
    if (stats) counters.push(countersOf(name, obj(stats.rx), obj(stats.tx)));
  }
  return { value: { links, counters }, report: report.build() };
}

function countersOf(
  name: string,
  rx: Record<string, unknown> | undefined,
  tx: Record<string, unknown> | undefined,
): PodLinkCounters {
  const c: PodLinkCounters = { name };
  const set = (key: keyof Omit<PodLinkCounters, 'name'>, v: unknown) => {
    const n = count(v);
    if (n !== undefined) c[key] = n;
  };
  set('rxBytes', rx?.bytes);
  set('rxPackets', rx?.packets);
  set('rxErrors', rx?.errors);
  set('rxDropped', rx?.dropped);
  set('txBytes', tx?.bytes);
  set('txPackets', tx?.packets);
  set('txErrors', tx?.errors);
  set('txDropped', tx?.dropped);
  return c;
}
