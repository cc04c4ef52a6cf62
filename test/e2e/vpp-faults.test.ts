import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningExporter } from '../../src/exporter.ts';
import type { PathGraph } from '../../src/path/graph.ts';
import { TestAlertmanager } from '../support/alertmanager.ts';
import { emptyPanels, evaluateTrafficPathPanels, linksShownDown } from '../support/dashboard-queries.ts';
import { startTestExporter } from '../support/exporter.ts';
import {
  FaultMatrix,
  rulesForTest,
  startAlerting,
  TEST_WINDOW_S,
  testTiming,
} from '../support/fault-matrix.ts';
import { LiveVpp, liveVppOrSkip } from '../support/live-vpp.ts';
import { NEIGHBOUR_FAILS, settleNeighbours, shortNeighbourTimers } from '../support/neighbours.ts';
import { freePort, PROMETHEUS_VERSIONS, TestPrometheus } from '../support/prometheus.ts';
import { builtTool } from '../support/test-cache.ts';
import { requireTool } from '../support/tools.ts';

// The VPP half of the fault matrix. A real VPP stands in for forwarder-vpp, with af_packet
// host-interfaces on veths where NSM has taps:
//   frontend nsm-1 ↔ host-vfe ═ xconnect ═ host-vpx ↔ proxy nsm-1 (a port of bridge0)
//   proxy nsm-2 ↔ host-vpx2 ═ xconnect ═ vxlan_tunnel0 → worker-b's namespace (the trench's second
//   frontend, 172.16.1.4, not on this node)
//   target eth1 ↔ proxy bridge0 (a veth, as the target's conduit).
// Every pod has a main-table default route and its policy rules, as in a cluster. The exporter reads VPP
// through its CLI socket and stats segment and the pods through their namespaces, every second. A
// real Prometheus evaluates the shipped rules with only their time constants shortened (rulesForTest:
// `for:` 3 s; the drops rule's 5-minute rate window 5 s with its shipped `for:` of twice the window), and
// the tunnel case waits until Prometheus has the 10 minutes of history the rule looks back on. The
// suite takes about 11 minutes on each Prometheus.
const RULES = new URL('../../deploy/rules/meridio-path-exporter.rules.yml', import.meta.url).pathname;
const TEST_RULES = rulesForTest(readFileSync(RULES, 'utf8'));
/** The exporter's cycle (and state interval) in this suite. */
const CYCLE_S = 1;
const ip = requireTool('ip');

function ipIn(ns: string, args: string): void {
  execFileSync(ip, ['-n', ns, ...args.split(' ')], { stdio: 'pipe' });
}

/**
 * Pings that may go unanswered: traffic is what the fault needs, not replies. Asynchronous: the
 * exporter runs in this process, and a blocking ping would hold its cycles and scrapes.
 */
function probe(ns: string, addr: string, count = 3): void {
  execFile(ip, ['netns', 'exec', ns, 'ping', '-c', String(count), '-i', '0.2', '-W', '1', addr], () => {});
}

/** Pings until one is answered: traffic re-learns a FAILED neighbour once the path is back. */
async function answered(ns: string, addr: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((resolve) =>
      execFile(ip, ['netns', 'exec', ns, 'ping', '-c', '1', '-W', '1', addr], { timeout: 3000 }, (err) =>
        resolve(!err),
      ),
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${addr} does not answer ${ns} within ${ms / 1000} s`);
}

// The shipped rules fire and clear alike on Debian's Prometheus 2.42 and on Prometheus 3. With
// Prometheus 3, the alerts go on to a real Alertmanager with the shipped route and inhibit rules: each
// fault must page exactly once, naming its root cause, and resolve after the repair.

for (const { name, prometheus: bin, current } of PROMETHEUS_VERSIONS) {
  describe(`fault matrix on VPP (live VPP, shipped rules, real ${name})`, { skip: liveVppOrSkip() }, () => {
    let vpp: LiveVpp;
    let exporter: RunningExporter;
    const prometheus = new TestPrometheus(bin());
    const alertmanager = current ? new TestAlertmanager(builtTool('alertmanager')) : undefined;
    const dir = mkdtempSync(join(tmpdir(), 'mpe-e2e-vpp-'));
    const matrix = new FaultMatrix(prometheus, {
      timing: testTiming(CYCLE_S, TEST_RULES),
      ...(alertmanager && { alertmanager }),
      explain: async () => {
        const down = (await path()).links.filter((l) => l.health.status === 'down');
        const failing = (await (await fetch(`${exporter.url}/metrics`)).text())
          .split('\n')
          .filter((l) => l.startsWith('meridio_path_exporter_collect_success{') && l.endsWith(' 0'));
        return `\nred links:\n${down.map((l) => `  ${l.type} ${l.from} → ${l.to}: ${l.health.problems.join('; ')}`).join('\n')}\nfailing reads:\n  ${failing.join('\n  ')}`;
      },
      exporterUrl: () => exporter.url,
    });
    const ns = { fe: '', px: '', tg: '', wb: '' };
    let keepalive: NodeJS.Timeout | undefined;
    /** Starts the exporter on the same address each time, so that Prometheus finds it again. */
    let startAgent: () => Promise<void> = async () => {};
    let prometheusStarted = 0;

    /** VPP's side of the path, on a fresh VPP too (the veths survive a VPP restart). */
    const configureVpp = (loopbacksFirst = 0) => {
      if (loopbacksFirst > 0) vpp.loopbacks(loopbacksFirst);
      vpp.vppctlScript([
        ...['vfe', 'vpx', 'vpx2', 'vul'].flatMap((n) => [
          `create host-interface name ${n}`,
          `set interface state host-${n} up`,
        ]),
        'set interface ip address host-vul 192.168.50.1/24',
      ]);
      vpp.xconnect('host-vfe', 'host-vpx');
      createTunnel();
    };
    const createTunnel = () => {
      const out = vpp.vppctl('create vxlan tunnel src 192.168.50.1 dst 192.168.50.2 vni 100').trim();
      vpp.vppctlScript([`set interface state ${out} up`]);
      vpp.xconnect('host-vpx2', out);
      return out;
    };
    /**
     * The proxy's neighbours behind VPP (the local frontend, and worker-b's through the tunnel), STALE
     * before a fault that breaks VPP: only traffic the fault sends may then fail them.
     */
    const settleProxyNeighbours = () =>
      settleNeighbours(
        (addr) =>
          execFileSync(ip, ['-n', ns.px, '-j', 'neigh', 'show', addr, 'dev', 'bridge0'], {
            encoding: 'utf8',
          }),
        ['172.16.1.2', '172.16.1.4'],
      );
    const path = async (): Promise<PathGraph> =>
      (await (await fetch(`${exporter.url}/api/v1/path`)).json()) as PathGraph;

    before(async () => {
      requireTool('nsenter');
      vpp = await LiveVpp.start({ name: 'e2e' });
      ns.fe = vpp.addPodNamespace('fe');
      ns.px = vpp.addPodNamespace('px');
      ns.tg = vpp.addPodNamespace('tg');
      ns.wb = vpp.addPodNamespace('wb');
      const veth = (a: string, aName: string, b: string, bName: string) => {
        execFileSync(ip, [
          'link',
          'add',
          'mpe-tmp0',
          'netns',
          a,
          'type',
          'veth',
          'peer',
          'name',
          'mpe-tmp1',
          'netns',
          b,
        ]);
        ipIn(a, `link set mpe-tmp0 name ${aName}`);
        ipIn(b, `link set mpe-tmp1 name ${bName}`);
        ipIn(a, `link set ${aName} up`);
        ipIn(b, `link set ${bName} up`);
      };
      // Conduits through VPP (af_packet on the VPP side).
      veth(vpp.netns, 'vfe', ns.fe, 'nsm-1');
      veth(vpp.netns, 'vpx', ns.px, 'nsm-1');
      veth(vpp.netns, 'vpx2', ns.px, 'nsm-2');
      veth(vpp.netns, 'vul', ns.wb, 'eth0');
      // The target's conduit straight into the proxy's bridge.
      veth(ns.px, 'proxy.cond-1', ns.tg, 'eth1');
      // Each pod's cluster network: eth0, a veth to the node's side as CNIs make it (a namespace of its
      // own here), with the main-table default route every pod has.
      const cni = vpp.addPodNamespace('cni');
      for (const [n, addr, peer] of [
        [ns.fe, '10.244.0.2', 'cni-fe'],
        [ns.px, '10.244.0.3', 'cni-px'],
        [ns.tg, '10.244.0.4', 'cni-tg'],
      ] as const) {
        veth(n, 'eth0', cni, peer);
        ipIn(n, `addr add ${addr}/24 dev eth0`);
        ipIn(n, 'link set eth0 up');
        ipIn(n, 'route add default via 10.244.0.1 dev eth0 onlink');
      }
      // Frontend: its conduit and the VIP rule a frontend has (return traffic of the VIP to the proxy).
      ipIn(ns.fe, 'addr add 172.16.1.2/24 dev nsm-1');
      ipIn(ns.fe, 'rule add to 20.0.0.1 lookup 100 priority 100');
      ipIn(ns.fe, 'route add default via 172.16.1.1 dev nsm-1 table 100');
      // Worker-b: the trench's other frontend at the far end of the tunnel.
      ipIn(ns.wb, 'addr add 192.168.50.2/24 dev eth0');
      ipIn(
        ns.wb,
        'link add vx0 type vxlan id 100 local 192.168.50.2 remote 192.168.50.1 dstport 4789 noudpcsum',
      );
      ipIn(ns.wb, 'addr add 172.16.1.4/24 dev vx0');
      ipIn(ns.wb, 'link set vx0 up');
      // Proxy: bridge0 over its conduits and the target's; VIP rule and its table with both frontends.
      ipIn(ns.px, 'link add bridge0 type bridge');
      for (const port of ['nsm-1', 'nsm-2', 'proxy.cond-1']) ipIn(ns.px, `link set ${port} master bridge0`);
      ipIn(ns.px, 'addr add 172.16.1.1/24 dev bridge0');
      ipIn(ns.px, 'link set bridge0 up');
      // The pod suite's short neighbour timers (see settleNeighbours).
      for (const argv of shortNeighbourTimers('bridge0', 'ipv4')) {
        execFileSync(ip, ['netns', 'exec', ns.px, ...argv]);
      }
      ipIn(ns.px, 'rule add from 20.0.0.1 lookup 1 priority 32765');
      ipIn(
        ns.px,
        'route add default table 1 nexthop via 172.16.1.2 dev bridge0 nexthop via 172.16.1.4 dev bridge0',
      );
      // Target: the VIP on its conduit, and the rule that sends the VIP's traffic back to the proxy.
      ipIn(ns.tg, 'addr add 172.16.1.3/24 dev eth1');
      ipIn(ns.tg, 'addr add 20.0.0.1/32 dev eth1');
      ipIn(ns.tg, 'rule add from 20.0.0.1 lookup 100 priority 100');
      ipIn(ns.tg, 'route add default via 172.16.1.1 dev eth1 table 100');
      configureVpp();
      // The target talks, as targets do: its MAC stays in the proxy's FDB (idle entries age out in 300 s).
      keepalive = setInterval(() => {
        execFile(ip, ['netns', 'exec', ns.tg, 'ping', '-c', '1', '-W', '1', '172.16.1.1'], () => {});
      }, 3000);
      // Neighbours and FDB learnt as traffic would teach them.
      for (const [from, to] of [
        [ns.px, '172.16.1.2'],
        [ns.px, '172.16.1.4'],
        [ns.px, '172.16.1.3'],
        [ns.fe, '172.16.1.1'],
      ] as const) {
        assert.ok(vpp.ping(from, to, 2), `ping ${to} from ${from}`);
      }

      const rules = join(dir, 'rules.yml');
      writeFileSync(rules, TEST_RULES.text);
      const pods = [
        `red/frontend-a:stateless-lb-frontend=/var/run/netns/${ns.fe}`,
        `red/proxy-a:proxy=/var/run/netns/${ns.px}`,
        `red/target-a:target=/var/run/netns/${ns.tg}`,
      ].join(',');
      const listenAddress = `127.0.0.1:${await freePort()}`;
      startAgent = async () => {
        exporter = await startTestExporter(
          [
            `--vpp-cli-socket=${vpp.cliSocket}`,
            `--netns.pods=${pods}`,
            '--node=worker-a',
            '--forwarder=forwarder-vpp-a',
            `--collect.interval=${CYCLE_S}s`,
            `--collect.state-interval=${CYCLE_S}s`,
            '--collect.command-timeout=900ms',
            '--path.gone-window=10m',
          ],
          { schedule: true, listenAddress },
        );
      };
      await startAgent();
      await startAlerting(prometheus, exporter.url, rules, alertmanager);
      prometheusStarted = Date.now();
    });

    after(async () => {
      clearInterval(keepalive);
      await prometheus.stop();
      await alertmanager?.stop();
      await exporter?.stop();
      await vpp?.stop();
      rmSync(dir, { recursive: true, force: true });
      console.log(matrix.table());
    });

    it('healthy: nothing fires, and the path is whole from frontend to target through VPP', async () => {
      await prometheus.queryUntil('vpp_l2_xconnect_info{interface="host-vfe"}');
      await prometheus.queryUntil('meridio_proxy_route_nexthops{table="1"}');
      await new Promise((r) => setTimeout(r, 6000));
      await matrix.steady([], 3000);
      const g = await path();
      const link = (from: string, type: string) => g.links.find((l) => l.from === from && l.type === type);
      assert.equal(link('vpp:host-vfe', 'tap-peer')?.to, 'pod:red/frontend-a/nsm-1');
      assert.deepEqual(link('vpp:host-vfe', 'tap-peer')?.evidence, ['af-packet', 'veth-peer']);
      assert.equal(link('vpp:host-vpx', 'tap-peer')?.to, 'pod:red/proxy-a/nsm-1');
      assert.equal(
        link('vpp:host-vpx2', 'tap-peer')?.to,
        'pod:red/proxy-a/nsm-2',
        JSON.stringify(link('vpp:host-vpx2', 'tap-peer')),
      );
      assert.equal(link('vpp:host-vfe', 'xconnect')?.to, 'vpp:host-vpx');
      for (const l of g.links.filter(
        (l) => ['tap-peer', 'xconnect'].includes(l.type) && l.from !== 'vpp:host-vul',
      )) {
        assert.equal(l.health.status, 'up', `${l.id}: ${l.health.problems.join('; ')}`);
      }
      // The traffic-path dashboard: every query valid, every panel with data but the taps one (af_packet
      // stands in for taps here), no link shown down.
      const panels = await evaluateTrafficPathPanels(prometheus, 'worker-a');
      assert.deepEqual(emptyPanels(panels), ['Taps: carrier and peer']);
      assert.deepEqual(linksShownDown(panels), []);
      // The same, from the exporter's own command statuses: VPP's namespace was read.
      const ok = await prometheus.query(
        'meridio_path_exporter_collect_success{source="vpp",command="ip -json -stats -details link show"}',
      );
      assert.equal(ok[0]?.value[1], '1');
    });

    it('a VPP interface set down: its cross-connect, and the frontend behind it, go red', async () => {
      // VPP takes an af_packet interface's Linux veth down with it, so the frontend's conduit loses its
      // carrier: the proxy's nexthop and FDB entry towards that frontend are down as well.
      await matrix.fault(
        'VPP interface host-vfe set down',
        () => vpp.vppctl('set interface state host-vfe down'),
        () => vpp.vppctl('set interface state host-vfe up'),
        [
          'MeridioPathLinkDown{type=fdb}',
          'MeridioPathLinkDown{type=nexthop}',
          'MeridioPathLinkDown{type=tap-peer}',
          'MeridioPathLinkDown{type=xconnect}',
          'MeridioPathXconnectInterfaceDown{interface=host-vfe}',
        ],
        {
          page: ['MeridioPathXconnectInterfaceDown'],
          during: async () => {
            // The dashboard shows what the alerts say: the same links down, host-vfe's cross-connect at 0.
            const panels = await evaluateTrafficPathPanels(prometheus, 'worker-a');
            assert.deepEqual(linksShownDown(panels), await matrix.alertedLinks());
            const xc = panels.find((p) => p.panel === 'L2 cross-connects')?.series ?? [];
            assert.equal(xc.find((s) => s.metric.interface === 'host-vfe')?.value[1], '0');
            assert.equal(xc.find((s) => s.metric.interface === 'host-vpx')?.value[1], '1');
            const g = await path();
            const down = g.links.filter((l) => l.health.status === 'down').map((l) => `${l.type} ${l.from}`);
            assert.deepEqual(down.sort(), [
              'fdb pod:red/proxy-a/nsm-1',
              'nexthop route:red/proxy-a/ipv4/1',
              'tap-peer vpp:host-vfe',
              'xconnect vpp:host-vfe',
            ]);
          },
        },
      );
    });

    it('a cross-connect removed: the link that was there stays, red', async () => {
      await matrix.fault(
        'xconnect host-vfe ↔ host-vpx removed',
        () => vpp.vppctlScript(['set interface l3 host-vfe', 'set interface l3 host-vpx']),
        () => vpp.xconnect('host-vfe', 'host-vpx'),
        ['MeridioPathLinkDown{type=xconnect}'],
        {
          during: async () => {
            const gone = (await path()).links.find((l) => l.type === 'xconnect' && l.from === 'vpp:host-vfe');
            assert.equal(gone?.health.status, 'down');
          },
        },
      );
    });

    it('a cross-connected interface deleted: VPP drops the other side’s cross-connect, so its link goes red (no missing peer)', async () => {
      // VPP v26.06 resets the remaining side to L3 when one side of a cross-connect is deleted, so
      // MeridioPathXconnectPeerMissing (a cross-connect naming an interface VPP does not list) cannot be
      // caused on it: its rule is proven on captured output (test/integration/alert-rules.test.ts).
      await matrix.fault(
        'host-vpx deleted under its cross-connect',
        () => vpp.vppctl('delete host-interface name vpx'),
        () => {
          vpp.vppctlScript(['create host-interface name vpx', 'set interface state host-vpx up']);
          vpp.xconnect('host-vfe', 'host-vpx');
        },
        // Deleting host-vpx also takes its veth, the proxy's conduit, down: its bridge port is red.
        ['MeridioPathLinkDown{type=bridge-member}', 'MeridioPathLinkDown{type=xconnect}'],
        {
          during: async () => {
            assert.doesNotMatch(vpp.vppctl('show mode'), /xconnect host-vfe/);
          },
        },
      );
    });

    it('traffic into a cross-connect whose peer is down: the peer pages, not the drops it causes', async () => {
      let traffic: NodeJS.Timeout | undefined;
      await matrix.fault(
        'traffic into host-vfe while host-vpx is down',
        () => {
          vpp.vppctl('set interface state host-vpx down');
          traffic = setInterval(() => probe(ns.fe, '172.16.1.1', 2), 1500);
        },
        () => {
          clearInterval(traffic);
          vpp.vppctl('set interface state host-vpx up');
        },
        // host-vpx down takes the proxy's conduit nsm-1 down with it: its bridge port is red too. VPP counts
        // the packets in `drops` on the interface they entered (host-vfe) and in `tx-error` on the down
        // one: the drops are XconnectInterfaceDown's, and the drops rule leaves them to it.
        [
          'MeridioPathLinkDown{type=bridge-member}',
          'MeridioPathLinkDown{type=tap-peer}',
          'MeridioPathLinkDown{type=xconnect}',
          'MeridioPathXconnectInterfaceDown{interface=host-vpx}',
        ],
        {
          page: ['MeridioPathXconnectInterfaceDown'],
          during: async () => {
            const txErrors = await prometheus.query(
              `rate(vpp_interface_tx_error_total{interface="host-vpx"}[${TEST_WINDOW_S}s]) > 0`,
            );
            assert.equal(
              txErrors.length,
              1,
              'the down peer counts the packets it could not send in tx-error',
            );
            const drops = await prometheus.query(
              `rate(vpp_interface_drops_total{interface="host-vfe"}[${TEST_WINDOW_S}s]) > 0`,
            );
            assert.equal(drops.length, 1, 'host-vfe drops them, and no drops alert says so');
          },
        },
      );
    });

    it('drops rising: traffic into a cross-connect whose VxLAN tunnel has no route to its far end', async () => {
      let traffic: NodeJS.Timeout | undefined;
      // worker-b's frontend stays resolved while its traffic is dropped: the drops, not a failed
      // neighbour, are the fault.
      const lladdr = (
        JSON.parse(
          execFileSync(ip, ['-n', ns.px, '-j', 'neigh', 'show', '172.16.1.4', 'dev', 'bridge0'], {
            encoding: 'utf8',
          }),
        ) as { lladdr?: string }[]
      )[0]?.lladdr;
      assert.ok(lladdr, 'the proxy knows worker-b’s frontend');
      await matrix.fault(
        'traffic into host-vpx2 while the tunnel to worker-b has no route',
        () => {
          ipIn(ns.px, `neigh replace 172.16.1.4 lladdr ${lladdr} dev bridge0 nud permanent`);
          vpp.vppctl('set interface ip address del host-vul 192.168.50.1/24');
          traffic = setInterval(() => probe(ns.px, '172.16.1.4', 2), 1500);
        },
        () => {
          clearInterval(traffic);
          vpp.vppctl('set interface ip address host-vul 192.168.50.1/24');
          ipIn(ns.px, `neigh replace 172.16.1.4 lladdr ${lladdr} dev bridge0 nud stale`);
        },
        ['MeridioPathInterfaceDrops{interface=host-vpx2}'],
        {
          slower: {
            seconds: 3,
            why: 'the drop rate needs two scrapes that saw drops, and the traffic comes every 1.5 s',
          },
          // The drops stay in the rule's rate window after the repair.
          clearWithinMs: 60_000,
        },
      );
    });

    it('VPP stopped while the proxy sends towards the frontend behind it: the exporter says it cannot read VPP, and the pods still tell the truth', async () => {
      await matrix.fault(
        'VPP stopped, the proxy sending to the frontend behind it',
        async () => {
          await settleProxyNeighbours();
          vpp.kill();
          await vpp.exited();
          probe(ns.px, '172.16.1.2', 2);
        },
        async () => {
          await vpp.restart();
          configureVpp();
          // The traffic of a cluster re-learns the neighbour once the path is back.
          await answered(ns.px, '172.16.1.2');
        },
        // Nothing read from VPP is claimed: its cross-connects and interfaces are unknown, not down. What
        // the proxy's kernel says is still read: its probes towards the frontend went unanswered.
        [
          'MeridioNexthopNeighbourFailed{table=1}',
          'MeridioPathExporterCannotRead',
          'MeridioPathLinkDown{type=nexthop}',
        ],
        {
          page: ['MeridioPathExporterCannotRead'],
          during: async () => {
            const metrics = await (await fetch(`${exporter.url}/metrics`)).text();
            const fromVpp = metrics.split('\n').filter((l) => l.startsWith('vpp_'));
            assert.deepEqual(fromVpp, [], 'no series read from VPP while it is stopped');
          },
          slower: NEIGHBOUR_FAILS,
        },
      );
    });

    it('VPP restarted with new interface indexes: the exporter follows, no stale series', async () => {
      const before = await prometheus.query('vpp_interface_info{interface="host-vfe"}');
      const oldIndex = before[0]?.metric.sw_if_index;
      await settleProxyNeighbours();
      await vpp.restart();
      // Two loopbacks first: every interface of the path gets another index.
      configureVpp(2);
      await matrix.until([]);
      const after = await prometheus.queryUntil(
        `vpp_interface_info{interface="host-vfe",sw_if_index!="${oldIndex}"}`,
      );
      assert.notEqual(after[0]?.metric.sw_if_index, oldIndex);
      const metrics = await (await fetch(`${exporter.url}/metrics`)).text();
      assert.doesNotMatch(
        metrics,
        new RegExp(`vpp_interface_info\\{[^}]*interface="host-vfe"[^}]*sw_if_index="${oldIndex}"`),
      );
      await matrix.steady([], 5000);
      matrix.rows.push('| VPP restarted, new interface indexes | — | | |');
    });

    it('the VxLAN tunnel deleted', async () => {
      // MeridioPathVxlanTunnelGone compares with the tunnels of 10 minutes ago: wait until Prometheus has them.
      const wait = prometheusStarted + 10 * 60_000 + 15_000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await settleProxyNeighbours();
      await matrix.fault(
        'VxLAN tunnel to worker-b deleted',
        () => vpp.vppctl('create vxlan tunnel src 192.168.50.1 dst 192.168.50.2 vni 100 del'),
        () => createTunnel(),
        ['MeridioPathLinkDown{type=xconnect}', 'MeridioPathVxlanTunnelGone'],
        { page: ['MeridioPathVxlanTunnelGone'] },
      );
    });

    // Last: the gap it leaves in every series would hide, ten minutes later, the tunnels the VxLAN
    // rule looks back on.
    it('the exporter stopped: Prometheus cannot scrape it, and nothing it read lingers as an alert', async () => {
      await matrix.fault(
        'exporter stopped',
        () => exporter.stop(),
        () => startAgent(),
        ['MeridioPathExporterDown'],
        {
          during: async () => {
            // What the exporter last showed is stale, not kept: no path series left to alert on.
            assert.deepEqual(await prometheus.query('meridio_path_link_up'), []);
          },
        },
      );
    });
  });
}
