import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningExporter } from '../../src/exporter.ts';
import { startTestExporter } from '../support/exporter.ts';
import { TestPrometheus } from '../support/prometheus.ts';

describe('a real Prometheus scraping the demo exporter', () => {
  let exporter: RunningExporter;
  const prometheus = new TestPrometheus();
  before(async () => {
    exporter = await startTestExporter(
      [
        '--demo=worker-a',
        '--collect.interval=1s',
        '--collect.command-timeout=500ms',
        '--collect.state-interval=1s',
      ],
      {
        schedule: true,
      },
    );
    await prometheus.start([new URL(exporter.url).host]);
  });
  after(async () => {
    await prometheus.stop();
    await exporter.stop();
  });

  it("stores the guide's counters: tap3 sent 37 packets", async () => {
    const r = await prometheus.queryUntil('vpp_interface_tx_packets_total{interface="tap3"}');
    assert.equal(r.length, 1);
    assert.equal(r[0]?.value[1], '37');
    assert.equal(r[0]?.metric.node, 'worker-a');
    assert.equal(r[0]?.metric.forwarder, 'forwarder-vpp-worker-a');
  });

  it("stores the guide's xconnect pairs", async () => {
    const r = await prometheus.queryUntil('vpp_l2_xconnect_info', 6);
    const pairs = r.map((s) => `${s.metric.interface}>${s.metric.peer}`).sort();
    assert.deepEqual(pairs, [
      'tap1>vxlan_tunnel0',
      'tap3>tap4',
      'tap4>tap3',
      'tap5>tap6',
      'tap6>tap5',
      'vxlan_tunnel0>tap1',
    ]);
  });

  it('joins a tap to its pod-side MAC and tunnel parameters in PromQL', async () => {
    const r = await prometheus.queryUntil(
      'vpp_interface_rx_packets_total * on(node, forwarder, interface) group_left(host_mac, host_if_name) vpp_tap_info',
      5,
    );
    const tap3 = r.find((s) => s.metric.interface === 'tap3');
    assert.equal(tap3?.metric.host_mac, '02:fe:18:32:8d:87');
    assert.equal(tap3?.metric.host_if_name, 'conduit-a--f75b');
    const vx = await prometheus.queryUntil('vpp_vxlan_tunnel_info');
    assert.equal(vx[0]?.metric.dst, '172.18.0.4');
    assert.equal(vx[0]?.metric.vni, '9832580');
  });

  it('sees the exporter healthy: every recorded command succeeds', async () => {
    const r = await prometheus.queryUntil('meridio_path_exporter_collect_success', 4);
    assert.ok(r.every((s) => s.value[1] === '1'));
    const up = await prometheus.queryUntil('up');
    assert.equal(up[0]?.value[1], '1');
  });
});
