import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningExporter } from '../../src/exporter.ts';
import { TestAlertmanager } from '../support/alertmanager.ts';
import { emptyPanels, evaluateTrafficPathPanels, linksShownDown } from '../support/dashboard-queries.ts';
import { startTestExporter } from '../support/exporter.ts';
import { FaultMatrix, rulesForTest, startAlerting, testTiming } from '../support/fault-matrix.ts';
import { NEIGHBOUR_FAILS, settleNeighbours } from '../support/neighbours.ts';
import { GuideTopology, removeStaleNamespaces } from '../support/netns-topology.ts';
import { PROMETHEUS_VERSIONS, TestPrometheus } from '../support/prometheus.ts';
import { builtTool } from '../support/test-cache.ts';
import { requireTool } from '../support/tools.ts';

// The guide's Meridio pods on real network namespaces, read by the exporter every second, and a real
// Prometheus evaluating the shipped rules file with its time constants shortened (rulesForTest: `for:`
// 3 s; the file itself is unchanged). Each fault must fire exactly its alerts, keep them firing while
// it lasts, and clear after the repair. VPP's side of the matrix needs the live VPP harness and is not part of this file.
const RULES = new URL('../../deploy/rules/meridio-path-exporter.rules.yml', import.meta.url).pathname;
const TEST_RULES = rulesForTest(readFileSync(RULES, 'utf8'));
const topology = new GuideTopology(`mpe${process.pid}-e2e`);
const P = topology.pods;
/** The exporter's cycle (and state interval) in this suite. */
const CYCLE_S = 1;
/** `--path.fdb-missing-after` in this suite. */
const FDB_MISSING_S = 3;

// The shipped rules fire and clear alike on Debian's Prometheus 2.42 and on Prometheus 3. With
// Prometheus 3, the alerts go on to a real Alertmanager with the shipped route and inhibit rules: each
// fault must page exactly once, naming its root cause, and resolve after the repair.

for (const { name, prometheus: bin, current } of PROMETHEUS_VERSIONS) {
  describe(`fault matrix on the Meridio pods (shipped rules, real ${name})`, () => {
    let exporter: RunningExporter;
    const prometheus = new TestPrometheus(bin());
    const alertmanager = current ? new TestAlertmanager(builtTool('alertmanager')) : undefined;
    const dir = mkdtempSync(join(tmpdir(), 'mpe-e2e-'));
    const matrix = new FaultMatrix(prometheus, {
      timing: testTiming(CYCLE_S, TEST_RULES),
      ...(alertmanager && { alertmanager }),
      exporterUrl: () => exporter.url,
    });
    const fault = matrix.fault.bind(matrix);
    const steady = matrix.steady.bind(matrix);
    const ip = (p: (typeof P)[keyof typeof P], args: string) => topology.exec(p, ['ip', ...args.split(' ')]);
    /** The proxy's neighbour entries for frontend-ghi, STALE before a fault that probes them. */
    const settleFrontendNeighbours = () =>
      settleNeighbours(
        (addr) => ip(P.proxy, `-j neigh show ${addr} dev bridge0`),
        ['172.16.1.4', 'fd00:0:0:1::4'],
      );

    before(async () => {
      requireTool('nsenter');
      removeStaleNamespaces('mpe');
      topology.create();
      topology.trafficAcross();
      const rules = join(dir, 'rules.yml');
      writeFileSync(rules, TEST_RULES.text);
      const pods = Object.values(P)
        .map((p) => `${p.namespace}/${p.pod}:${p.role}=${topology.path(p)}`)
        .join(',');
      exporter = await startTestExporter(
        [
          `--netns.pods=${pods}`,
          '--node=worker-a',
          `--collect.interval=${CYCLE_S}s`,
          `--collect.state-interval=${CYCLE_S}s`,
          '--collect.command-timeout=900ms',
          '--path.gone-window=10m',
          `--path.fdb-missing-after=${FDB_MISSING_S}s`,
        ],
        { schedule: true },
      );
      await startAlerting(prometheus, exporter.url, rules, alertmanager);
    });

    after(async () => {
      await prometheus.stop();
      await alertmanager?.stop();
      await exporter?.stop();
      topology.destroy();
      rmSync(dir, { recursive: true, force: true });
      console.log(matrix.table());
    });

    it('healthy: nothing fires, and the dashboard shows no link down', async () => {
      await prometheus.queryUntil('meridio_proxy_route_nexthops{table="1"}');
      await new Promise((r) => setTimeout(r, 6000));
      await steady([], 3000);
      const panels = await evaluateTrafficPathPanels(prometheus, 'worker-a');
      assert.deepEqual(linksShownDown(panels), []);
      // No VPP is read in this suite: its panels are empty, the pods' are not.
      assert.deepEqual(emptyPanels(panels), [
        'Byte rates of path interfaces',
        'Drops and errors of path interfaces',
        'L2 cross-connects',
        'Packet rates of path interfaces',
        'Taps: carrier and peer',
        'VxLAN tunnels',
      ]);
    });

    it('a nexthop removed from a VIP table (IPv4)', async () => {
      await fault(
        'nexthop removed from table 1',
        () => ip(P.proxy, 'route replace default table 1 nexthop via 172.16.1.2 dev bridge0 weight 1'),
        () =>
          ip(
            P.proxy,
            'route replace default table 1 nexthop via 172.16.1.2 dev bridge0 weight 1 nexthop via 172.16.1.4 dev bridge0 weight 1',
          ),
        ['MeridioProxyVipMissingNexthops{table=1}', 'MeridioPathLinkDown{type=nexthop}'],
        { page: ['MeridioProxyVipMissingNexthops'] },
      );
    });

    it('a nexthop removed from a VIP table (IPv6)', async () => {
      await fault(
        'nexthop removed from table 2',
        () => ip(P.proxy, '-6 route replace default table 2 nexthop via fd00:0:0:1::2 dev bridge0 weight 1'),
        () =>
          ip(
            P.proxy,
            '-6 route replace default table 2 nexthop via fd00:0:0:1::2 dev bridge0 weight 1 nexthop via fd00:0:0:1::4 dev bridge0 weight 1',
          ),
        ['MeridioProxyVipMissingNexthops{table=2}', 'MeridioPathLinkDown{type=nexthop}'],
        { page: ['MeridioProxyVipMissingNexthops'] },
      );
    });

    it('a VIP table emptied', async () => {
      await fault(
        'table 1 emptied',
        () => ip(P.proxy, 'route del default table 1'),
        () =>
          ip(
            P.proxy,
            'route add default table 1 nexthop via 172.16.1.2 dev bridge0 weight 1 nexthop via 172.16.1.4 dev bridge0 weight 1',
          ),
        ['MeridioProxyVipNoNexthop{table=1}', 'MeridioPathLinkDown{type=nexthop}'],
        {
          page: ['MeridioProxyVipNoNexthop'],
          during: async () => {
            // The VIP table panel says 0 nexthops for table 1, and the links panel shows what the alert names.
            const panels = await evaluateTrafficPathPanels(prometheus, 'worker-a');
            const vip = panels.find(
              (p) => p.panel.startsWith('VIP tables') && p.expr.includes('meridio_proxy_route_nexthops'),
            );
            assert.equal(vip?.series.find((s) => s.metric.table === '1')?.value[1], '0');
            assert.deepEqual(linksShownDown(panels), await matrix.alertedLinks());
          },
        },
      );
    });

    it('a VIP rule deleted while the target still holds the VIP', async () => {
      await fault(
        'rule from 20.0.0.1 deleted',
        () => ip(P.proxy, 'rule del from 20.0.0.1 lookup 1 priority 32765'),
        () => ip(P.proxy, 'rule add from 20.0.0.1 lookup 1 priority 32765'),
        ['MeridioPathLinkDown{type=vip}'],
      );
    });

    it("the target's MAC lost from the bridge FDB (learning off on its port)", async () => {
      const mac = '02:fe:c2:14:ec:dd';
      const bridge = (args: string) => topology.exec(P.proxy, ['bridge', ...args.split(' ')]);
      await fault(
        'target MAC missing from the FDB',
        () => {
          bridge('link set dev proxy.cond-97e3 learning off');
          bridge(`fdb del ${mac} dev proxy.cond-97e3 master`);
        },
        () => {
          bridge('link set dev proxy.cond-97e3 learning on');
          topology.exec(P.target, ['ping', '-c', '1', '-W', '2', '172.16.1.1']);
        },
        ['MeridioBridgeFdbMissingTarget', 'MeridioPathLinkDown{type=fdb}'],
        {
          page: ['MeridioBridgeFdbMissingTarget'],
          slower: {
            seconds: FDB_MISSING_S,
            why: 'the link turns red once the MAC is missing for --path.fdb-missing-after',
          },
        },
      );
    });

    it("a frontend's conduit down: its nexthop's neighbour fails once traffic probes it", async () => {
      const probe = () => {
        try {
          topology.exec(P.proxy, ['ping', '-c', '2', '-i', '0.3', '-W', '1', '172.16.1.4']);
        } catch {
          // No answer is the point.
        }
      };
      await fault(
        'frontend conduit down',
        async () => {
          await settleFrontendNeighbours();
          ip(P.frontendGhi, 'link set conduit-a--f75b down');
          probe();
        },
        () => {
          ip(P.frontendGhi, 'link set conduit-a--f75b up');
          // The kernel drops IPv6 addresses of a link that goes down: the pod's CNI would add it back.
          ip(P.frontendGhi, '-6 addr replace fd00:0:0:1::4/64 dev conduit-a--f75b nodad');
          topology.exec(P.frontendGhi, ['ping', '-c', '1', '-W', '2', '172.16.1.1']);
          topology.exec(P.frontendGhi, ['ping', '-6', '-c', '1', '-W', '2', 'fd00:0:0:1::1']);
          probe();
        },
        // The nexthop links of both tables end at the downed interface (one alert per table); only the
        // IPv4 neighbour was probed, so only table 1 has a FAILED neighbour.
        [
          'MeridioNexthopNeighbourFailed{table=1}',
          'MeridioPathLinkDown{type=bridge-member}',
          'MeridioPathLinkDown{type=nexthop}',
          'MeridioPathLinkDown{type=nexthop}',
        ],
        {
          page: ['MeridioNexthopNeighbourFailed'],
          slower: NEIGHBOUR_FAILS,
        },
      );
    });

    it("a frontend's IPv6 neighbour fails once traffic probes it", async () => {
      const probe6 = () => {
        try {
          topology.exec(P.proxy, ['ping', '-6', '-c', '2', '-i', '0.3', '-W', '1', 'fd00:0:0:1::4']);
        } catch {
          // No answer is the point.
        }
      };
      await fault(
        'frontend conduit down, probed over IPv6',
        async () => {
          await settleFrontendNeighbours();
          ip(P.frontendGhi, 'link set conduit-a--f75b down');
          probe6();
        },
        async () => {
          ip(P.frontendGhi, 'link set conduit-a--f75b up');
          // The kernel drops IPv6 addresses of a link that goes down: the pod's CNI would add it back.
          ip(P.frontendGhi, '-6 addr replace fd00:0:0:1::4/64 dev conduit-a--f75b nodad');
          topology.exec(P.frontendGhi, ['ping', '-c', '1', '-W', '2', '172.16.1.1']);
          topology.exec(P.frontendGhi, ['ping', '-6', '-c', '1', '-W', '2', 'fd00:0:0:1::1']);
          probe6();
        },
        // Only the IPv6 neighbour was probed: table 2's nexthop is the FAILED one.
        [
          'MeridioNexthopNeighbourFailed{table=2}',
          'MeridioPathLinkDown{type=bridge-member}',
          'MeridioPathLinkDown{type=nexthop}',
          'MeridioPathLinkDown{type=nexthop}',
        ],
        {
          page: ['MeridioNexthopNeighbourFailed'],
          slower: NEIGHBOUR_FAILS,
        },
      );
    });

    it('the proxy pod gone: the exporter says it cannot read it, and calls nothing missing', async () => {
      await fault(
        'proxy pod gone (its namespace deleted)',
        () => topology.exec(undefined, ['ip', 'netns', 'del', P.proxy.netns]),
        () => {
          topology.destroy();
          topology.create();
          topology.trafficAcross();
        },
        ['MeridioPathExporterCannotRead'],
      );
    });
  });
}
