import { POD_COMMANDS } from '../src/sources/pod-commands.ts';

/**
 * A large proxy in iproute2's JSON shapes: `tables` VIP tables, each with a multipath default route of
 * `nexthops` frontends and its VIP rule (IPv4 and IPv6), `neighbors` neighbour entries, `fdb` learned
 * FDB entries spread over 8 ports, and those ports' link and address dumps.
 */
export function syntheticProxy(
  tables: number,
  nexthops: number,
  neighbors: number,
  fdb: number,
): Map<string, string> {
  const ports = Array.from({ length: 8 }, (_, i) => `conduit-a--${(0x1000 + i).toString(16)}`);
  const mac = (i: number) =>
    `02:fe:${[i >> 16, (i >> 8) & 255, i & 255, 0x42].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
  const links = [
    {
      ifindex: 2,
      ifname: 'bridge0',
      mtu: 1400,
      operstate: 'UP',
      address: mac(1),
      linkinfo: { info_kind: 'bridge' },
    },
    ...ports.map((p, i) => ({
      ifindex: 3 + i,
      ifname: p,
      mtu: 1500,
      master: 'bridge0',
      operstate: 'UP',
      address: mac(100 + i),
      linkinfo: { info_kind: 'veth' },
      stats64: {
        rx: { bytes: 123456789 * i, packets: 98765 * i, errors: 0, dropped: i },
        tx: { bytes: 1234567 * i, packets: 4567 * i, errors: 0, dropped: 0 },
      },
    })),
  ];
  const addrs = links.map((l, i) => ({
    ifname: l.ifname,
    addr_info: [
      { family: 'inet', local: `172.16.1.${i + 1}`, prefixlen: 24, scope: 'global' },
      { family: 'inet6', local: `fd00:0:0:1::${i + 1}`, prefixlen: 64, scope: 'global' },
    ],
  }));
  const rules = (v6: boolean) => [
    { priority: 0, src: 'all', table: 'local' },
    ...Array.from({ length: tables }, (_, t) => ({
      priority: 32765 - t,
      src: v6 ? `2000::${t + 1}` : `20.0.${t >> 8}.${t & 255}`,
      table: String(t + 1),
    })),
    { priority: 32766, src: 'all', table: 'main' },
  ];
  const routes = (v6: boolean) =>
    Array.from({ length: tables }, (_, t) => ({
      dst: 'default',
      table: String(t + 1),
      flags: [],
      nexthops: Array.from({ length: nexthops }, (_, n) => ({
        gateway: v6 ? `fd00:0:0:1::${n + 100}` : `172.16.1.${n + 100}`,
        dev: 'bridge0',
        weight: 1,
        flags: [],
      })),
    }));
  const neigh = Array.from({ length: neighbors }, (_, i) => ({
    dst: i % 2 ? `fd00:0:0:2::${i.toString(16)}` : `172.16.${2 + (i >> 8)}.${i & 255}`,
    dev: 'bridge0',
    lladdr: mac(1000 + i),
    state: [i % 7 === 0 ? 'STALE' : 'REACHABLE'],
  }));
  const fdbEntries = Array.from({ length: fdb }, (_, i) => ({
    mac: mac(5000 + i),
    ifname: ports[i % ports.length],
    flags: [],
    master: 'bridge0',
    state: '',
  }));
  const C = POD_COMMANDS;
  return new Map([
    [C.linkJson.id, JSON.stringify(links)],
    [C.addrJson.id, JSON.stringify(addrs)],
    [C.rule4Json.id, JSON.stringify(rules(false))],
    [C.rule6Json.id, JSON.stringify(rules(true))],
    [C.route4Json.id, JSON.stringify(routes(false))],
    [C.route6Json.id, JSON.stringify(routes(true))],
    [C.neighJson.id, JSON.stringify(neigh)],
    [C.fdbJson.id, JSON.stringify(fdbEntries)],
  ]);
}
