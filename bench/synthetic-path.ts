import type { PodData, PodLink } from '../src/parsers/linux/records.ts';
import type { PodSnapshot } from '../src/snapshot/pod-snapshot.ts';

/** The MAC `syntheticVpp` gives tap k's Linux side. */
const hostMac = (k: number) =>
  `02:fe:00:${(k + 0x100000).toString(16).padStart(6, '0').match(/../g)?.join(':')}`;

/**
 * `pods` pod snapshots whose interfaces are the Linux sides of `syntheticVpp(interfaces)`'s taps,
 * spread evenly. Every tenth pod is a proxy: its interfaces are ports of bridge0, it has 4 VIP tables
 * of 4 nexthops (frontend addresses, with neighbour entries) and an FDB entry for each target MAC of
 * the nine pods after it (its conduit).
 */
export function syntheticPathPods(interfaces: number, pods: number): PodSnapshot[] {
  const perPod = Math.floor(interfaces / pods);
  const address = (k: number) => `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;
  const out: PodSnapshot[] = [];
  const targetMacs: string[][] = [];
  const frontendIps: { ip: string; mac: string }[] = [];
  for (let p = 0; p < pods; p++) {
    const role = p % 10 === 0 ? 'proxy' : p % 2 === 0 ? 'stateless-lb-frontend' : 'target';
    if (p % 10 === 0) targetMacs.push([]);
    const links: PodLink[] = [];
    const data: PodData = { links, addresses: [], counters: [] };
    for (let i = 0; i < perPod; i++) {
      const k = p * perPod + i;
      const name = `conduit-${k}`;
      const link: PodLink = {
        name,
        mac: hostMac(k),
        operstate: 'UP',
        flags: ['BROADCAST', 'UP', 'LOWER_UP'],
      };
      if (role === 'proxy') link.master = 'bridge0';
      links.push(link);
      data.addresses?.push({ interface: name, family: 'ipv4', address: address(k), prefixLen: 24 });
      data.counters?.push({ name, rxPackets: k * 3, txPackets: k * 5, rxDropped: 0, txDropped: 0 });
      if (role === 'target') targetMacs.at(-1)?.push(hostMac(k));
      if (role === 'stateless-lb-frontend') frontendIps.push({ ip: address(k), mac: hostMac(k) });
    }
    if (role === 'proxy')
      links.push({
        name: 'bridge0',
        mac: '02:fe:ff:00:00:01',
        operstate: 'UP',
        flags: ['UP', 'LOWER_UP'],
        kind: 'bridge',
      });
    out.push({
      node: 'bench',
      target: { namespace: 'red', pod: `${role}-${p}`, role },
      sourceKind: 'memory',
      form: 'json',
      data,
      commands: [],
    });
  }
  out
    .filter((s) => s.target.role === 'proxy')
    .forEach((proxy, group) => {
      const ports = (proxy.data.links ?? []).filter((l) => l.master);
      proxy.data.rules = [];
      proxy.data.routes = [];
      proxy.data.neighbors = [];
      for (let t = 1; t <= 4; t++) {
        proxy.data.rules.push({
          family: 'ipv4',
          priority: 32765,
          from: `20.0.0.${t}`,
          table: String(t),
          action: 'lookup',
        });
        const hops = frontendIps.slice(t * 4, t * 4 + 4);
        proxy.data.routes.push({
          family: 'ipv4',
          table: String(t),
          dst: 'default',
          type: 'unicast',
          nexthops: hops.map((h) => ({ via: h.ip, dev: 'bridge0', weight: 1, flags: [] })),
        });
        for (const h of hops) {
          proxy.data.neighbors.push({
            family: 'ipv4',
            ip: h.ip,
            dev: 'bridge0',
            lladdr: h.mac,
            state: 'REACHABLE',
            router: false,
          });
        }
      }
      proxy.data.fdb = (targetMacs[group] ?? []).map((mac, i) => ({
        mac,
        port: ports[i % ports.length]?.name ?? 'bridge0',
        bridge: 'bridge0',
        state: '',
      }));
    });
  return out;
}
