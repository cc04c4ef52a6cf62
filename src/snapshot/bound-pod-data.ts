import type { PodData } from '../parsers/linux/records.ts';

/**
 * Keep cardinality bounded by the path, not by the kernel's bookkeeping: drop the `local` routing
 * table (local and broadcast routes of every address), link-local multicast neighbours (ff02::/16,
 * 224.0.0.0/24) and multicast FDB entries, unless `includeLocal` asks for them.
 */
export function boundPodData(data: PodData, includeLocal: boolean): PodData {
  if (includeLocal) return data;
  const out: PodData = { ...data };
  if (data.routes) out.routes = data.routes.filter((r) => r.table !== 'local' && r.table !== '255');
  if (data.neighbors) out.neighbors = data.neighbors.filter((n) => !isLinkLocalMulticast(n.ip));
  if (data.fdb) out.fdb = data.fdb.filter((e) => !isMulticastMac(e.mac));
  return out;
}

function isLinkLocalMulticast(ip: string): boolean {
  return /^ff02:/i.test(ip) || /^224\.0\.0\.\d+$/.test(ip);
}

/** The group bit is the lowest bit of the first octet. */
function isMulticastMac(mac: string): boolean {
  return (Number.parseInt(mac.slice(0, 2), 16) & 1) === 1;
}
