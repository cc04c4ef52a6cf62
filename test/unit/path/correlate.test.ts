import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { correlatePath, trafficOf } from '../../../src/path/correlate.ts';
import { GoneLinks } from '../../../src/path/gone-links.ts';
import type { PathGraph } from '../../../src/path/graph.ts';
import type { PodSnapshot } from '../../../src/snapshot/pod-snapshot.ts';
import { FRONTEND_GHI, PROXY, TARGET } from '../../support/fixtures.ts';
import { onlyLink } from '../../support/path.ts';
import { collectDemo, type DemoSnapshots } from '../../support/render-demo.ts';

const JKL = 'stateless-lb-frontend-attractor-a-1-jkl';
const pod = (name: string, ifname: string) => `pod:red/${name}/${ifname}`;

let workerA: DemoSnapshots;
let workerB: DemoSnapshots;

before(async () => {
  workerA = await collectDemo('worker-a');
  workerB = await collectDemo('worker-b');
});

/** A fresh copy of worker-a's snapshots to break. */
function copyA(): DemoSnapshots {
  return structuredClone(workerA);
}

function graphOf(s: DemoSnapshots, node = 'worker-a'): PathGraph {
  return correlatePath({ node, vpp: s.vpp, pods: s.pods, now: 0 });
}

function podOf(s: DemoSnapshots, name: string): PodSnapshot {
  const p = s.pods.find((x) => x.target.pod === name);
  assert.ok(p, name);
  return p;
}

describe('path correlation on the guide’s nodes', () => {
  it('worker-a: tap3 is conduit-a--f75b in the frontend ghi, tap4 is conduit-a--1b2a in the proxy, and they are cross-connected', () => {
    const g = graphOf(workerA);
    const tap3 = onlyLink(g, (l) => l.type === 'tap-peer' && l.from === 'vpp:tap3');
    assert.equal(tap3.to, pod(FRONTEND_GHI, 'conduit-a--f75b'));
    assert.deepEqual(tap3.evidence, ['host-mac-addr', 'host-if-name']);
    assert.equal(tap3.details.hostMac, '02:fe:18:32:8d:87');
    const tap4 = onlyLink(g, (l) => l.type === 'tap-peer' && l.from === 'vpp:tap4');
    assert.equal(tap4.to, pod(PROXY, 'conduit-a--1b2a'));
    onlyLink(g, (l) => l.type === 'xconnect' && l.from === 'vpp:tap3' && l.to === 'vpp:tap4');
    onlyLink(g, (l) => l.type === 'xconnect' && l.from === 'vpp:tap5' && l.to === 'vpp:tap6');
  });

  it('worker-a: tap1 is the proxy’s conduit-a--90c8, cross-connected with vxlan_tunnel0, which goes to 172.18.0.4 = worker-b', () => {
    const g = graphOf(workerA);
    assert.equal(
      onlyLink(g, (l) => l.type === 'tap-peer' && l.from === 'vpp:tap1').to,
      pod(PROXY, 'conduit-a--90c8'),
    );
    onlyLink(g, (l) => l.type === 'xconnect' && l.from === 'vpp:tap1' && l.to === 'vpp:vxlan_tunnel0');
    const vx = onlyLink(g, (l) => l.type === 'vxlan');
    assert.equal(vx.from, 'vpp:vxlan_tunnel0');
    assert.equal(vx.to, 'node:worker-b');
    assert.deepEqual(
      { dst: vx.details.dst, vni: vx.details.vni, port: vx.details.dstPort },
      { dst: '172.18.0.4', vni: 9832580, port: 4789 },
    );
    assert.equal(g.nodes.find((n) => n.id === 'node:worker-b')?.address, '172.18.0.4');
  });

  it('worker-a: bridge0 bridges conduit-a--90c8, conduit-a--1b2a and proxy.cond-97e3', () => {
    const g = graphOf(workerA);
    const members = g.links.filter((l) => l.type === 'bridge-member' && l.to === pod(PROXY, 'bridge0'));
    assert.deepEqual(members.map((l) => l.from).sort(), [
      pod(PROXY, 'conduit-a--1b2a'),
      pod(PROXY, 'conduit-a--90c8'),
      pod(PROXY, 'proxy.cond-97e3'),
    ]);
  });

  it('worker-a: table 1 of VIP 20.0.0.1 has nexthops 172.16.1.4 (the frontend ghi here) and 172.16.1.2 (the frontend jkl on worker-b)', () => {
    const g = graphOf(workerA);
    const table = g.nodes.find((n) => n.kind === 'route' && n.table === '1');
    assert.deepEqual(table?.vips, ['20.0.0.1']);
    const hops = g.links.filter((l) => l.type === 'nexthop' && l.from === table?.id);
    assert.deepEqual(hops.map((l) => l.details.via).sort(), ['172.16.1.2', '172.16.1.4']);
    const local = hops.find((l) => l.details.via === '172.16.1.4');
    assert.equal(local?.to, pod(FRONTEND_GHI, 'conduit-a--f75b'));
    assert.deepEqual(local?.evidence, ['address', 'neighbour']);
    // 172.16.1.2 is beyond this node: its neighbour MAC is learned on conduit-a--90c8, tap1's peer,
    // which is cross-connected into the tunnel to worker-b, where that MAC is jkl's conduit-a--0a17.
    const remote = hops.find((l) => l.details.via === '172.16.1.2');
    assert.equal(remote?.to, 'peer:02:fe:66:8b:f7:da');
    assert.equal(remote?.health.status, 'up');
    const learned = onlyLink(g, (l) => l.type === 'fdb' && l.to === 'peer:02:fe:66:8b:f7:da');
    assert.equal(learned.from, pod(PROXY, 'conduit-a--90c8'));
    const gB = graphOf(workerB, 'worker-b');
    const jkl = gB.nodes.find((n) => n.mac === '02:fe:66:8b:f7:da' && n.kind === 'pod-interface');
    assert.equal(jkl?.id, pod(JKL, 'conduit-a--0a17'));
    assert.ok(jkl?.addresses?.includes('172.16.1.2/24'));
    // IPv6 likewise: table 2 of 2000::1.
    const t2 = g.links.filter((l) => l.type === 'nexthop' && l.details.table === '2');
    assert.deepEqual(t2.map((l) => l.details.via).sort(), ['fd00:0:0:1::2', 'fd00:0:0:1::4']);
  });

  it('worker-a: the target MAC 02:fe:c2:14:ec:dd is reached via proxy.cond-97e3, tap5 ⇄ tap6, target-a-1’s nsm-0', () => {
    const g = graphOf(workerA);
    const fdb = onlyLink(g, (l) => l.type === 'fdb' && l.details.mac === '02:fe:c2:14:ec:dd');
    assert.equal(fdb.from, pod(PROXY, 'proxy.cond-97e3'));
    assert.equal(fdb.to, pod(TARGET, 'nsm-0'));
    assert.equal(
      onlyLink(g, (l) => l.type === 'tap-peer' && l.from === 'vpp:tap5').to,
      pod(PROXY, 'proxy.cond-97e3'),
    );
    assert.equal(onlyLink(g, (l) => l.type === 'tap-peer' && l.from === 'vpp:tap6').to, pod(TARGET, 'nsm-0'));
  });

  it('worker-b: tap1 is jkl’s conduit-a--0a17, cross-connected into vxlan_tunnel0 to 172.18.0.2 = worker-a', () => {
    const g = graphOf(workerB, 'worker-b');
    assert.equal(onlyLink(g, (l) => l.type === 'tap-peer').to, pod(JKL, 'conduit-a--0a17'));
    onlyLink(g, (l) => l.type === 'xconnect' && l.from === 'vpp:tap1' && l.to === 'vpp:vxlan_tunnel0');
    assert.equal(onlyLink(g, (l) => l.type === 'vxlan').to, 'node:worker-a');
  });

  it('on the demo every link is up, every end present, and every pod listed', () => {
    const g = graphOf(workerA);
    assert.deepEqual(
      g.links.filter((l) => l.health.status !== 'up').map((l) => l.id),
      [],
    );
    assert.deepEqual(
      g.nodes.filter((n) => n.presence !== 'present').map((n) => n.id),
      [],
    );
    assert.deepEqual(g.complete, { vpp: true, pods: true });
    assert.deepEqual(g.pods.map((p) => p.pod).sort(), [PROXY, FRONTEND_GHI, TARGET].sort());
    assert.equal(g.links.length, 21, '19 links of the data path and the 2 VIPs of the target');
    // eth0 and lo are not on the path.
    assert.equal(
      g.nodes.some((n) => n.interface === 'eth0' || n.interface === 'lo'),
      false,
    );
  });
});

describe('broken paths give explicit missing ends', () => {
  it('a tap whose pod interface is gone: the tap-peer link ends at a missing pod interface and is down', () => {
    const s = copyA();
    const proxy = podOf(s, PROXY);
    proxy.data.links = proxy.data.links?.filter((l) => l.name !== 'conduit-a--1b2a');
    const link = onlyLink(graphOf(s), (l) => l.type === 'tap-peer' && l.from === 'vpp:tap4');
    assert.equal(link.to, 'missing:tap-peer:tap4');
    assert.equal(link.health.status, 'down');
    assert.match(link.health.problems.join(), /missing: no pod interface .* MAC 02:fe:7d:e7:f6:2a/);
    const end = graphOf(s).nodes.find((n) => n.id === link.to);
    assert.deepEqual(
      [end?.presence, end?.interface, end?.mac],
      ['missing', 'conduit-a--1b2a', '02:fe:7d:e7:f6:2a'],
    );
  });

  it('when a pod could not be read, an unmatched tap is unknown, not missing', () => {
    const s = copyA();
    const proxy = podOf(s, PROXY);
    delete proxy.data.links;
    const g = graphOf(s);
    const link = onlyLink(g, (l) => l.type === 'tap-peer' && l.from === 'vpp:tap4');
    assert.equal(link.health.status, 'unknown');
    assert.equal(g.nodes.find((n) => n.id === link.to)?.presence, 'unknown');
    assert.equal(g.complete.pods, false);
    assert.equal(g.pods.find((p) => p.pod === PROXY)?.read, false);
  });

  it('a cross-connect to an interface VPP does not have has a missing end; one not returned is down', () => {
    const s = copyA();
    const tap3 = s.vpp.addrs?.find((a) => a.name === 'tap3');
    assert.ok(tap3);
    tap3.xconnectPeer = 'tap9';
    const g = graphOf(s);
    const gone = onlyLink(g, (l) => l.type === 'xconnect' && l.from === 'vpp:tap3');
    assert.equal(gone.to, 'vpp:tap9');
    assert.equal(g.nodes.find((n) => n.id === 'vpp:tap9')?.presence, 'missing');
    assert.equal(gone.health.status, 'down');
    const oneWay = onlyLink(g, (l) => l.type === 'xconnect' && l.from === 'vpp:tap4');
    assert.equal(oneWay.health.status, 'down');
    assert.match(oneWay.health.problems.join(), /tap3 is cross-connected to tap9, not back to tap4/);
  });

  it('a nexthop no frontend owns and no neighbour answers is a missing end; a FAILED neighbour makes it down', () => {
    const s = copyA();
    const proxy = podOf(s, PROXY);
    const route = proxy.data.routes?.find((r) => r.table === '1');
    const nh = route?.nexthops.find((n) => n.via === '172.16.1.2');
    assert.ok(nh);
    nh.via = '172.16.1.9';
    let link = onlyLink(graphOf(s), (l) => l.type === 'nexthop' && l.details.via === '172.16.1.9');
    assert.equal(link.to, 'missing:nexthop:172.16.1.9');
    assert.match(link.health.problems.join(), /no neighbour entry answers/);
    proxy.data.neighbors?.push({
      family: 'ipv4',
      ip: '172.16.1.9',
      dev: 'bridge0',
      state: 'FAILED',
      router: false,
    });
    link = onlyLink(graphOf(s), (l) => l.type === 'nexthop' && l.details.via === '172.16.1.9');
    assert.equal(link.health.status, 'down');
    assert.match(link.health.problems.join(), /neighbour entry of 172.16.1.9 is FAILED/);
  });

  it('a VIP table without routes has a nexthop link to a missing end', () => {
    const s = copyA();
    const proxy = podOf(s, PROXY);
    proxy.data.routes = proxy.data.routes?.filter((r) => r.table !== '1');
    const link = onlyLink(graphOf(s), (l) => l.type === 'nexthop' && l.details.table === '1');
    assert.equal(link.health.status, 'down');
    assert.deepEqual(link.health.problems, ['nexthop of table 1 is missing: table 1 has no route']);
  });

  it('a tunnel to an address no node owns has a missing remote node; without a node list it is unknown', () => {
    const s = copyA();
    const t = s.vpp.tunnels?.[0];
    assert.ok(t);
    t.dst = '172.18.0.9';
    let link = onlyLink(graphOf(s), (l) => l.type === 'vxlan');
    assert.equal(link.to, 'node:172.18.0.9');
    assert.equal(link.health.status, 'down');
    delete s.vpp.nodeByAddress;
    link = onlyLink(graphOf(s), (l) => l.type === 'vxlan');
    assert.equal(link.health.status, 'unknown');
  });

  it('an admin-down tap, a tap without carrier and a down pod interface make their links down', () => {
    const s = copyA();
    const tap5 = s.vpp.interfaces?.find((i) => i.name === 'tap5');
    assert.ok(tap5);
    tap5.adminUp = false;
    const tap3 = s.vpp.taps?.find((t) => t.name === 'tap3');
    assert.ok(tap3);
    tap3.hostCarrierUp = false;
    const nsm0 = podOf(s, TARGET).data.links?.find((l) => l.name === 'nsm-0');
    assert.ok(nsm0);
    nsm0.flags = ['BROADCAST', 'MULTICAST', 'UP', 'NO-CARRIER'];
    const g = graphOf(s);
    const status = (from: string) => onlyLink(g, (l) => l.type === 'tap-peer' && l.from === from).health;
    assert.match(status('vpp:tap5').problems.join(), /tap5 is admin down/);
    assert.match(status('vpp:tap3').problems.join(), /tap3 has no carrier/);
    assert.match(status('vpp:tap6').problems.join(), /target-a-1\/nsm-0 has no carrier/);
    assert.equal(onlyLink(g, (l) => l.type === 'xconnect' && l.from === 'vpp:tap5').health.status, 'down');
  });

  it('a port whose master bridge is gone has a missing bridge', () => {
    const s = copyA();
    const proxy = podOf(s, PROXY);
    proxy.data.links = proxy.data.links?.filter((l) => l.name !== 'bridge0');
    const members = graphOf(s).links.filter((l) => l.type === 'bridge-member');
    assert.equal(members.length, 3);
    assert.ok(members.every((l) => l.health.status === 'down' && l.to.startsWith('missing:bridge:')));
  });
});

describe('tap-peer evidence', () => {
  it('host-ns wins over a MAC that no longer matches (node-local resolves both namespaces)', () => {
    const s = copyA();
    const tap3 = s.vpp.taps?.find((t) => t.name === 'tap3');
    assert.ok(tap3?.hostNs);
    tap3.hostMac = '02:00:00:00:00:01';
    s.vpp.hostNsInodes = new Map([[tap3.hostNs, 4026532999]]);
    podOf(s, FRONTEND_GHI).netnsInode = 4026532999;
    const link = onlyLink(graphOf(s), (l) => l.type === 'tap-peer' && l.from === 'vpp:tap3');
    assert.equal(link.to, pod(FRONTEND_GHI, 'conduit-a--f75b'));
    assert.deepEqual(link.evidence, ['host-ns', 'host-if-name']);
  });

  it('falls back to a unique host-if-name, and says when the MAC disagrees', () => {
    const s = copyA();
    const tap4 = s.vpp.taps?.find((t) => t.name === 'tap4');
    assert.ok(tap4);
    delete tap4.hostMac;
    let link = onlyLink(graphOf(s), (l) => l.type === 'tap-peer' && l.from === 'vpp:tap4');
    assert.deepEqual(
      [link.to, link.evidence, link.health.status],
      [pod(PROXY, 'conduit-a--1b2a'), ['host-if-name'], 'up'],
    );
    tap4.hostMac = '02:00:00:00:00:02';
    link = onlyLink(graphOf(s), (l) => l.type === 'tap-peer' && l.from === 'vpp:tap4');
    assert.equal(link.health.status, 'down');
    assert.match(link.health.problems.join(), /host-mac-addr 02:00:00:00:00:02 is not the MAC/);
  });
});

describe('traffic between cycles', () => {
  it('marks links moving when packet counters changed and drops when a drop counter grew', () => {
    const first = graphOf(workerA);
    const s = copyA();
    const tap3 = s.vpp.interfaces?.find((i) => i.name === 'tap3');
    assert.ok(tap3);
    tap3.counters.set('rx packets', (tap3.counters.get('rx packets') ?? 0) + 10);
    tap3.counters.set('drops', (tap3.counters.get('drops') ?? 0) + 3);
    const g = correlatePath({
      node: 'worker-a',
      vpp: s.vpp,
      pods: s.pods,
      previousTraffic: trafficOf(first),
    });
    const tapLink = onlyLink(g, (l) => l.type === 'tap-peer' && l.from === 'vpp:tap3');
    assert.deepEqual([tapLink.health.moving, tapLink.health.dropsIncreased], [true, true]);
    const idle = onlyLink(g, (l) => l.type === 'tap-peer' && l.from === 'vpp:tap6');
    assert.deepEqual([idle.health.moving, idle.health.dropsIncreased], [false, false]);
    assert.equal(first.links[0]?.health.moving, undefined);
  });
});

describe('VIP tables on the path', () => {
  it("are a proxy's: the same policy rule and table in a target make no nexthop link", () => {
    const s = copyA();
    const proxy = podOf(s, PROXY);
    const target = podOf(s, TARGET);
    target.data.rules = [...(target.data.rules ?? []), ...(proxy.data.rules ?? [])];
    target.data.routes = [
      ...(target.data.routes ?? []),
      ...(proxy.data.routes ?? []).filter((r) => r.table === '1'),
    ];
    const nexthops = graphOf(s).links.filter((l) => l.type === 'nexthop');
    assert.ok(nexthops.length > 0);
    assert.ok(
      nexthops.every((l) => l.from.includes(PROXY)),
      nexthops.map((l) => l.from).join(),
    );
  });
});

describe("VIPs the targets hold, against the proxies' rules", () => {
  const vipLinksOf = (g: PathGraph) => g.links.filter((l) => l.type === 'vip');

  it("link each VIP of a target to the proxy's VIP table on the guide's node", () => {
    const links = vipLinksOf(graphOf(copyA()));
    assert.deepEqual(links.map((l) => [l.from, l.to, l.details.vip, l.health.status]).sort(), [
      [pod(TARGET, 'nsm-0'), `route:red/${PROXY}/ipv4/1`, '20.0.0.1', 'up'],
      [pod(TARGET, 'nsm-0'), `route:red/${PROXY}/ipv6/2`, '2000::1', 'up'],
    ]);
  });

  it('turn red with a missing end when the proxy loses the rule of a VIP a target still holds', () => {
    const s = copyA();
    const proxy = podOf(s, PROXY);
    proxy.data.rules = proxy.data.rules?.filter((r) => r.from !== '20.0.0.1');
    const g = graphOf(s);
    const link = onlyLink(g, (l) => l.type === 'vip' && l.details.vip === '20.0.0.1');
    assert.equal(link.health.status, 'down');
    const end = g.nodes.find((n) => n.id === link.to);
    assert.equal(end?.presence, 'missing');
    assert.deepEqual(link.health.problems, [
      `rule from 20.0.0.1 is missing: no proxy on this node has a rule from 20.0.0.1 (${TARGET} holds it on nsm-0)`,
    ]);
    assert.equal(onlyLink(g, (l) => l.type === 'vip' && l.details.vip === '2000::1').health.status, 'up');
  });

  it('are unknown, not missing, when the proxy rules could not be read', () => {
    const s = copyA();
    podOf(s, PROXY).data.rules = undefined;
    const link = onlyLink(graphOf(s), (l) => l.type === 'vip' && l.details.vip === '20.0.0.1');
    assert.equal(link.health.status, 'unknown');
  });
});

describe('links that are gone', () => {
  const T0 = Date.parse('2026-11-29T10:00:00Z');
  const dropNexthop = (s: DemoSnapshots, via: string) => {
    const proxy = podOf(s, PROXY);
    proxy.data.routes = proxy.data.routes?.map((r) =>
      r.table === '1' ? { ...r, nexthops: r.nexthops.filter((n) => n.via !== via) } : r,
    );
  };
  const graphAt = (s: DemoSnapshots, gone: GoneLinks, now: number) =>
    correlatePath({ node: 'worker-a', vpp: s.vpp, pods: s.pods, gone, now });
  const viaLink = (g: PathGraph, via: string) =>
    g.links.find((l) => l.type === 'nexthop' && l.details.table === '1' && l.details.via === via);

  it('a nexthop removed from a VIP table stays as a down link to its old far end, for the window', () => {
    const gone = new GoneLinks(10 * 60_000);
    const before = viaLink(graphAt(copyA(), gone, T0), '172.16.1.4');
    assert.equal(before?.health.status, 'up');
    const s = copyA();
    dropNexthop(s, '172.16.1.4');
    const g = graphAt(s, gone, T0 + 60_000);
    const link = viaLink(g, '172.16.1.4');
    assert.equal(link?.id, before?.id, 'the same link, so its series goes from 1 to 0');
    assert.equal(link?.health.status, 'down');
    assert.deepEqual(link?.health.problems, [
      'this nexthop link was there until 2026-11-29T10:00:00.000Z and is gone (table 1 via 172.16.1.4)',
    ]);
    assert.equal(g.nodes.find((n) => n.id === link?.to)?.presence, 'present', 'the frontend is still there');
    assert.equal(
      viaLink(graphAt(s, gone, T0 + 11 * 60_000), '172.16.1.4'),
      undefined,
      'forgotten after the window',
    );
  });

  it('a cycle whose reads failed neither restores nor forgets: the link is unknown then, not gone', () => {
    const gone = new GoneLinks(10 * 60_000);
    graphAt(copyA(), gone, T0);
    const failed = copyA();
    dropNexthop(failed, '172.16.1.4');
    podOf(failed, TARGET).data.links = undefined;
    assert.equal(viaLink(graphAt(failed, gone, T0 + 15_000), '172.16.1.4'), undefined);
    const s = copyA();
    dropNexthop(s, '172.16.1.4');
    assert.equal(viaLink(graphAt(s, gone, T0 + 30_000), '172.16.1.4')?.health.status, 'down');
  });

  it('a table that is gone as a whole takes its links with it (the rule check covers it)', () => {
    const gone = new GoneLinks(10 * 60_000);
    graphAt(copyA(), gone, T0);
    const s = copyA();
    const proxy = podOf(s, PROXY);
    proxy.data.rules = proxy.data.rules?.filter((r) => r.table !== '1');
    assert.equal(viaLink(graphAt(s, gone, T0 + 15_000), '172.16.1.4'), undefined);
  });

  it('a cross-connect made anew to another peer replaces the old one, unless the old peer is left alone', () => {
    const gone = new GoneLinks(10 * 60_000);
    const xconnects = (g: PathGraph) =>
      g.links.filter((l) => l.type === 'xconnect').map((l) => `${l.from}→${l.to} ${l.health.status}`);
    assert.ok(xconnects(graphAt(copyA(), gone, T0)).includes('vpp:tap3→vpp:tap4 up'));
    // A proxy made anew: NSM cross-connects the frontend's tap3 to the new pod's interface (tap5 here);
    // the old pod's tap4 is deleted with it.
    const remade = (keepTap4: boolean) => {
      const s = copyA();
      for (const a of s.vpp.addrs ?? []) {
        if (a.name === 'tap3') a.xconnectPeer = 'tap5';
        else if (a.name === 'tap5') a.xconnectPeer = 'tap3';
        else if (a.name === 'tap4' || a.name === 'tap6') a.xconnectPeer = undefined;
      }
      if (!keepTap4) {
        s.vpp.addrs = s.vpp.addrs?.filter((a) => a.name !== 'tap4');
        s.vpp.interfaces = s.vpp.interfaces?.filter((i) => i.name !== 'tap4');
        s.vpp.taps = s.vpp.taps?.filter((t) => t.name !== 'tap4');
      }
      return s;
    };
    const after = xconnects(graphAt(remade(false), gone, T0 + 60_000));
    assert.ok(
      after.includes('vpp:tap3→vpp:tap4') === false && after.includes('vpp:tap3→vpp:tap5 up'),
      after.join(', '),
    );
    assert.equal(
      after.find((x) => x.startsWith('vpp:tap3→vpp:tap4')),
      undefined,
      'replaced, not broken',
    );
    // tap4 still there and cross-connected to nothing: its link is broken, and stays red.
    const alone = new GoneLinks(10 * 60_000);
    graphAt(copyA(), alone, T0);
    assert.ok(xconnects(graphAt(remade(true), alone, T0 + 60_000)).includes('vpp:tap3→vpp:tap4 down'));
  });

  it('is off with a window of 0', () => {
    const gone = new GoneLinks(0);
    graphAt(copyA(), gone, T0);
    const s = copyA();
    dropNexthop(s, '172.16.1.4');
    assert.equal(viaLink(graphAt(s, gone, T0 + 15_000), '172.16.1.4'), undefined);
  });
});
