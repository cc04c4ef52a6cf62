import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { VPP_COLLECTORS } from '../../../src/collectors/vpp/index.ts';
import { VppCollection } from '../../../src/cycle/vpp-collection.ts';
import { ExpositionWriter } from '../../../src/exposition/writer.ts';
import { VppRenderer } from '../../../src/render/vpp-renderer.ts';
import type { VppSnapshot } from '../../../src/snapshot/vpp-snapshot.ts';
import { demoVpp } from '../../support/fixtures.ts';
import { MemorySource } from '../../support/memory-source.ts';
import { showInterfaceAddrText, showInterfaceText } from '../../support/vpp-format.ts';

const logger = pino({ level: 'silent' });

function setup() {
  const source = new MemorySource();
  source.answers.set('show interface', demoVpp('worker-a', 'show-interface'));
  source.answers.set('show interface addr', demoVpp('worker-a', 'show-interface-addr'));
  source.answers.set('show tap', demoVpp('worker-a', 'show-tap'));
  source.answers.set('show vxlan tunnel raw', demoVpp('worker-a', 'show-vxlan-tunnel-raw'));
  source.answers.set('show version', 'vpp v24.10.0-4-ga9d527a67 built by root on b at 2025-01-01T00:00:00\n');
  source.answers.set(
    'show errors',
    '   Count                  Node                              Reason               Severity \n',
  );
  let now = 1_000_000;
  const collection = new VppCollection(source, {
    node: 'worker-a',
    forwarder: 'forwarder-vpp-worker-a',
    commandTimeoutMs: 1000,
    stateIntervalMs: 60_000,
    logger,
    now: () => now,
  });
  return {
    source,
    collection,
    advance: (ms: number) => (now += ms),
    collect: () => collection.collect(now + 10_000),
  };
}

function render(snapshot: VppSnapshot): string {
  const w = new ExpositionWriter();
  for (const c of VPP_COLLECTORS) c.render(w, snapshot);
  return Buffer.concat(w.renderParts()).toString('utf8');
}

describe('VppCollection', () => {
  it('renders carried-over state from its previous bytes, identical to a fresh render', async () => {
    const { source, advance, collect } = setup();
    const renderer = new VppRenderer();
    const first = await collect();
    assert.equal(Buffer.concat(await renderer.renderParts(first)).toString('utf8'), render(first));
    // A counters-only cycle: taps, addresses, tunnels and errors are the same objects as last cycle.
    advance(15_000);
    const counters = demoVpp('worker-a', 'show-interface');
    source.answers.set(
      'show interface',
      counters.replace(/(tap3 +\d+ +up +\d+\/\d+\/\d+\/\d+ +rx packets +)\d+/, '$1999'),
    );
    const second = await collect();
    assert.equal(second.taps, first.taps, 'state carried over, so its bytes are reused');
    const text = Buffer.concat(await renderer.renderParts(second)).toString('utf8');
    assert.equal(text, render(second));
    assert.notEqual(text, render(first), 'the new counters are rendered');
  });

  it('reads state commands on the first cycle, then only counters until the state interval passes', async () => {
    const { source, advance, collect } = setup();
    await collect();
    assert.deepEqual(source.calls.splice(0), [
      'show interface',
      'show interface addr',
      'show version',
      'show tap',
      'show vxlan tunnel raw',
      'show errors',
    ]);
    advance(15_000);
    const second = await collect();
    assert.deepEqual(source.calls.splice(0), ['show interface', 'show interface addr']);
    // State carried over, marked as not read this cycle.
    assert.equal(second.taps?.length, 5);
    assert.equal(second.commands.find((c) => c.command === 'show tap')?.ranThisCycle, false);
    advance(45_000);
    await collect();
    assert.equal(source.calls.splice(0).length, 6);
  });

  it('reads the state again at once when the interface set changes', async () => {
    const { source, advance, collect } = setup();
    await collect();
    source.calls.length = 0;
    advance(15_000);
    source.answers.set(
      'show interface',
      showInterfaceText([
        { name: 'tap9', swIfIndex: 20, state: 'up', mtu: '1500/1500/1500/1500', counters: [] },
      ]),
    );
    await collect();
    assert.ok(source.calls.includes('show tap'));
  });

  it('drops what it cannot read instead of exporting zeros, and says why', async () => {
    const { source, advance, collect } = setup();
    await collect();
    advance(15_000);
    source.answers.set('show interface', 'timeout');
    const snap = await collect();
    assert.equal(snap.interfaces, undefined);
    const status = snap.commands.find((c) => c.command === 'show interface');
    assert.equal(status?.state, 'failed');
    assert.equal(status?.failure, 'timeout');
    const text = render(snap);
    assert.doesNotMatch(text, /vpp_interface_rx_packets_total/);
    // What could be read is still there.
    assert.match(text, /vpp_l2_xconnect_info\{[^}]*interface="tap3",peer="tap4"\} 1/);
  });

  it('reports an in-band VPP error as a command error, not as data', async () => {
    const { source, collect } = setup();
    source.answers.set('show tap', "show: unknown input `tap'\r\n");
    const snap = await collect();
    const status = snap.commands.find((c) => c.command === 'show tap');
    assert.equal(status?.failure, 'command-error');
    assert.equal(status?.message, "show: unknown input `tap'");
    assert.equal(snap.taps, undefined);
  });

  it('rejects output cut in the middle of a line', async () => {
    const { source, collect } = setup();
    source.answers.set('show interface', demoVpp('worker-a', 'show-interface').slice(0, 400));
    const snap = await collect();
    assert.equal(snap.commands.find((c) => c.command === 'show interface')?.failure, 'truncated-output');
    assert.equal(snap.interfaces, undefined);
  });

  it('retries a failed state command on the next cycle, not a state interval later', async () => {
    const { source, advance, collect } = setup();
    source.answers.set('show tap', 'connect');
    await collect();
    source.answers.set('show tap', demoVpp('worker-a', 'show-tap'));
    advance(15_000);
    source.calls.length = 0;
    const snap = await collect();
    assert.deepEqual(source.calls, ['show interface', 'show interface addr', 'show tap']);
    assert.equal(snap.taps?.length, 5);
  });

  it('skips commands a recording does not hold', async () => {
    const { source, collect } = setup();
    source.answers.delete('show errors');
    const snap = await collect();
    assert.equal(snap.commands.find((c) => c.command === 'show errors')?.state, 'not-recorded');
  });

  it('fails the remaining commands once the cycle deadline has passed', async () => {
    const { collection } = setup();
    const snap = await collection.collect(0);
    assert.ok(snap.commands.every((c) => c.state === 'failed' && c.failure === 'timeout'));
  });

  it('restores names VPP cut at 32 characters from show interface addr, and names tunnels by sw_if_index', async () => {
    const { source, collect } = setup();
    const long1 = 'TwentyFiveGigabitEthernet3b/0/1-uplink-a';
    const long2 = 'TwentyFiveGigabitEthernet3b/0/1-uplink-b';
    source.answers.set(
      'show interface',
      showInterfaceText([
        { name: long1, swIfIndex: 1, state: 'up', mtu: '9000/0/0/0', counters: [['rx packets', 5]] },
        { name: long2, swIfIndex: 2, state: 'up', mtu: '9000/0/0/0', counters: [['rx packets', 7]] },
        { name: 'vxlan_tunnel0', swIfIndex: 4, state: 'up', mtu: '1400/1400/1400/1400', counters: [] },
      ]),
    );
    source.answers.set(
      'show interface addr',
      showInterfaceAddrText([
        { name: long1, up: true, lines: [] },
        { name: long2, up: true, lines: [] },
        { name: 'vxlan_tunnel0', up: true, lines: [] },
      ]),
    );
    const snap = await collect();
    assert.deepEqual(
      snap.interfaces?.map((i) => [i.name, i.counters.get('rx packets')]),
      [
        [long1, 5],
        [long2, 7],
        ['vxlan_tunnel0', undefined],
      ],
    );
    assert.equal(snap.tunnels?.[0]?.interfaceName, 'vxlan_tunnel0');
  });

  it('keeps two cut names apart when their full names are unknown', async () => {
    const { source, collect } = setup();
    source.answers.set(
      'show interface',
      showInterfaceText([
        {
          name: 'TwentyFiveGigabitEthernet3b/0/1-uplink-a',
          swIfIndex: 1,
          state: 'up',
          mtu: '9000/0/0/0',
          counters: [],
        },
        {
          name: 'TwentyFiveGigabitEthernet3b/0/1-uplink-b',
          swIfIndex: 2,
          state: 'up',
          mtu: '9000/0/0/0',
          counters: [],
        },
      ]),
    );
    source.answers.set('show interface addr', 'timeout');
    const snap = await collect();
    assert.deepEqual(
      snap.interfaces?.map((i) => i.name),
      ['TwentyFiveGigabitEthernet3b/0/1-~1', 'TwentyFiveGigabitEthernet3b/0/1-~2'],
    );
  });
});

describe('VppCollection timeouts', () => {
  it('names the limit a command ran into: the configured timeout, or what was left of the cycle', async () => {
    const { source, collection } = setup();
    source.answers.set('show interface', 'timeout');
    const far = await collection.collect(1_000_000 + 10_000);
    assert.match(
      far.commands.find((c) => c.command === 'show interface')?.message ?? '',
      /^simulated timeout within 1000 ms \(--collect\.command-timeout\)$/,
    );
    const near = await collection.collect(1_000_000 + 3);
    assert.match(
      near.commands.find((c) => c.command === 'show interface')?.message ?? '',
      /within the 3 ms left before the cycle's deadline/,
    );
  });
});
