import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningExporter } from '../../src/exporter.ts';
import { runCycle, startTestExporter } from '../support/exporter.ts';
import { demoVpp } from '../support/fixtures.ts';
import { GOLDEN } from '../support/render-demo.ts';
import { VppCliPeer } from '../support/vpp-cli-peer.ts';

const dir = mkdtempSync(join(tmpdir(), 'mpe-e2e-'));
const sock = join(dir, 'cli.sock');
const responses = {
  'show interface': demoVpp('worker-a', 'show-interface'),
  'show interface addr': demoVpp('worker-a', 'show-interface-addr'),
  'show tap': demoVpp('worker-a', 'show-tap'),
  'show vxlan tunnel raw': demoVpp('worker-a', 'show-vxlan-tunnel-raw'),
};

/**
 * The `vpp_` families of an exposition (what VPP said, without the exporter's own metrics). The
 * tunnel's `remote_node` comes from the node list (the demo's replay.json, or discovery), not from
 * VPP: a bare socket has none, so it is left out of the comparison.
 */
const vppPart = (text: string) =>
  text
    .split('\n')
    .filter((l) => /^(# (HELP|TYPE) )?vpp_/.test(l))
    .map((l) => l.replace(/,remote_node="[^"]*"/, ''))
    .join('\n');

describe('the exporter reading a VPP CLI socket', () => {
  const peer = new VppCliPeer(sock, { responses });
  let exporter: RunningExporter;
  const metrics = async () => (await fetch(`${exporter.url}/metrics`)).text();
  before(async () => {
    await peer.start();
    exporter = await startTestExporter([
      `--vpp-cli-socket=${sock}`,
      '--node=worker-a',
      '--forwarder=forwarder-vpp-worker-a',
    ]);
  });
  after(async () => {
    await exporter.stop();
    await peer.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports exactly what the replay of the same outputs exports', async () => {
    assert.equal(vppPart(await metrics()), vppPart(readFileSync(GOLDEN('worker-a'), 'utf8')));
  });

  it('reports the commands VPP refuses (plugin not loaded) as failed, with the reason', async () => {
    const text = await metrics();
    assert.match(text, /meridio_path_exporter_collect_success\{[^}]*command="show errors"[^}]*\} 0/);
    assert.match(
      text,
      /meridio_path_exporter_collect_failures_total\{[^}]*command="show version"[^}]*reason="command-error"[^}]*\} 1/,
    );
  });

  it('drops VPP series while VPP is down and counts connect failures, then recovers', async () => {
    await peer.stop();
    await runCycle(exporter);
    let text = await metrics();
    assert.doesNotMatch(text, /^vpp_interface_rx_packets_total/m);
    assert.match(text, /meridio_path_exporter_collect_success\{[^}]*command="show interface"[^}]*\} 0/);
    assert.match(
      text,
      /meridio_path_exporter_collect_failures_total\{[^}]*command="show interface"[^}]*reason="connect"[^}]*\} 1/,
    );
    await peer.start();
    await runCycle(exporter);
    text = await metrics();
    assert.match(text, /^vpp_interface_tx_packets_total\{[^}]*interface="tap3"\} 37$/m);
    assert.match(text, /meridio_path_exporter_collect_success\{[^}]*command="show interface"[^}]*\} 1/);
  });

  it('makes an interface that VPP deleted disappear at the next cycle', async () => {
    peer.behaviour = {
      responses: {
        ...responses,
        'show interface': responses['show interface'].replace(/^tap6 [\s\S]*?(?=^vxlan_tunnel0)/m, ''),
      },
    };
    await runCycle(exporter);
    const text = await metrics();
    // show interface no longer lists it (show tap/addr of this peer still do, and say so).
    assert.doesNotMatch(text, /^vpp_interface_[a-z0-9_]+\{[^}]*interface="tap6"/m);
    assert.match(text, /vpp_interface_info\{[^}]*interface="tap5"/);
  });
});
