import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseShowInterface } from '../../../src/parsers/vpp/show-interface.ts';
import { demoVpp, FIXTURES, vppFixture } from '../../support/fixtures.ts';
import { seededRandom, showInterfaceText } from '../../support/vpp-format.ts';
import { assertNeverThrows } from './never-throws.ts';

const byName = (text: string) => new Map(parseShowInterface(text).value.map((i) => [i.name, i]));

describe('parseShowInterface', () => {
  it("reads the guide's worker-a forwarder: indexes, MTUs and every counter", () => {
    const { value, report } = parseShowInterface(demoVpp('worker-a', 'show-interface'));
    assert.equal(report.unparsedLines, 0);
    assert.deepEqual(
      value.map((i) => [i.name, i.swIfIndex]),
      [
        ['tap1', 5],
        ['tap3', 8],
        ['tap4', 9],
        ['tap5', 10],
        ['tap6', 11],
        ['vxlan_tunnel0', 4],
      ],
    );
    const tap3 = value[1];
    assert.ok(tap3);
    assert.equal(tap3.state, 'up');
    assert.equal(tap3.adminUp, true);
    assert.deepEqual(tap3.mtu, { l3: 1500, ip4: 1500, ip6: 1500, mpls: 1500 });
    assert.deepEqual(Object.fromEntries(tap3.counters), {
      'rx packets': 6,
      'rx bytes': 796,
      'tx packets': 37,
      'tx bytes': 3578,
      drops: 2,
      ip6: 2,
    });
    assert.equal(
      byName(demoVpp('worker-a', 'show-interface')).get('vxlan_tunnel0')?.counters.get('tx bytes'),
      5856,
    );
  });

  it("reads the guide's worker-b forwarder", () => {
    const m = byName(demoVpp('worker-b', 'show-interface'));
    assert.equal(m.get('tap1')?.swIfIndex, 4);
    assert.equal(m.get('tap1')?.counters.get('drops'), 1);
    assert.equal(m.get('vxlan_tunnel0')?.counters.get('tx bytes'), 680);
  });

  it('reads the gateway sample: af_packet, a .100 sub-interface with MTU 0, large counters', () => {
    const m = byName(vppFixture('show-interface.meridio-docs.gateway-host-eth0-subif.txt'));
    assert.equal(m.get('host-eth0')?.counters.get('drops'), 219563);
    assert.equal(m.get('host-eth0')?.counters.get('rx bytes'), 272031148);
    assert.deepEqual(m.get('host-eth0.100')?.mtu, { l3: 0, ip4: 0, ip6: 0, mpls: 0 });
    assert.equal(m.get('host-eth0.100')?.swIfIndex, 2);
  });

  it('keeps interfaces that print no counters, and admin-down ones', () => {
    const { value, report } = parseShowInterface(vppFixture('show-interface.ligato-docs.loopbacks-down.txt'));
    assert.equal(report.unparsedLines, 0);
    assert.deepEqual(
      value.map((i) => [i.name, i.adminUp, i.counters.size]),
      [
        ['local0', false, 0],
        ['loop0', false, 0],
        ['loop1', false, 0],
        ['loop2', false, 0],
      ],
    );
    assert.deepEqual(value[1]?.mtu, { l3: 9000, ip4: 0, ip6: 0, mpls: 0 });
  });

  it('reads generic counters (mpls) and reports the elision line of the doc', () => {
    const { value, report } = parseShowInterface(
      vppFixture('show-interface.robric-vpp-testing.v21.06-mpls-elided.txt'),
    );
    assert.equal(value.length, 1);
    assert.equal(value[0]?.counters.get('mpls'), 62);
    assert.equal(report.unparsedLines, 1);
    assert.equal(report.firstUnparsed?.text.trim(), '[...]');
  });

  it('reads CRLF output of VPP v26.06', () => {
    const m = byName(vppFixture('vpp2606-show-interface-traffic-path.txt'));
    assert.equal(m.get('host-vpp-vt')?.counters.get('drops'), 8);
    assert.ok(m.size > 3);
  });

  for (const file of readdirSync(`${FIXTURES}vpp`).filter((f) =>
    /^(show-interface\.|vpp2606-show-interface-traffic)/.test(f),
  )) {
    it(`parses every row of ${file}`, () => {
      const { value, report } = parseShowInterface(vppFixture(file));
      assert.ok(value.length > 0);
      // Only the doc that elides interfaces with "[...]" has a line we cannot read.
      assert.equal(
        report.unparsedLines,
        file.includes('elided') ? 1 : 0,
        JSON.stringify(report.firstUnparsed),
      );
      for (const i of value)
        assert.ok(i.counters.size === 0 || i.counters.has('rx packets') || i.counters.has('drops'));
    });
  }

  it('maps counter names VPP cut at 16 characters back to the real names', () => {
    const text = showInterfaceText([
      {
        name: 'GigabitEthernet0/8/0.100',
        swIfIndex: 3,
        state: 'up',
        mtu: '9000/0/0/0',
        counters: [
          ['rx packets', 10],
          ['rx bytes', 1000],
          ['rx-unicast packets', 7],
          ['rx-unicast bytes', 700],
          ['tx-multicast packets', 2],
          ['tx-multicast bytes', 128],
          ['rx-no-buf', 3],
          ['rx-miss', 4],
          ['tx-error', 5],
          ['punt', 6],
        ],
      },
    ]);
    const { value, report } = parseShowInterface(text);
    assert.equal(report.unparsedLines, 0);
    assert.equal(value[0]?.name, 'GigabitEthernet0/8/0.100');
    assert.deepEqual(Object.fromEntries(value[0]?.counters ?? []), {
      'rx packets': 10,
      'rx bytes': 1000,
      'rx-unicast packets': 7,
      'rx-unicast bytes': 700,
      'tx-multicast packets': 2,
      'tx-multicast bytes': 128,
      'rx-no-buf': 3,
      'rx-miss': 4,
      'tx-error': 5,
      punt: 6,
    });
  });

  it('flags names that fill the 32-character column and keeps 5-digit indexes that touch them', () => {
    const text = showInterfaceText([
      {
        name: 'TwentyFiveGigabitEthernet3b/0/1-renamed',
        swIfIndex: 12345,
        state: 'up',
        mtu: '9000/0/0/0',
        counters: [['rx packets', 1]],
      },
      {
        name: 'TwentyFiveGigabitEthernet3b/0/1-other',
        swIfIndex: 12346,
        state: 'down',
        mtu: '9000/0/0/0',
        counters: [],
      },
    ]);
    const { value, report } = parseShowInterface(text);
    assert.deepEqual(
      value.map((i) => [i.name, i.swIfIndex, i.nameMayBeTruncated]),
      [
        ['TwentyFiveGigabitEthernet3b/0/1-', 12345, true],
        ['TwentyFiveGigabitEthernet3b/0/1-', 12346, true],
      ],
    );
    assert.equal(report.truncated.filter((t) => t.field === 'interface_name').length, 2);
  });

  it('does not export a 16-digit counter VPP may have cut, and marks the interface incomplete', () => {
    const text = showInterfaceText([
      {
        name: 'host-eth0',
        swIfIndex: 1,
        state: 'up',
        mtu: '1500/0/0/0',
        counters: [
          ['rx bytes', 12345678901234568],
          ['tx bytes', 5],
        ],
      },
    ]);
    const { value, report } = parseShowInterface(text);
    assert.equal(value[0]?.counters.has('rx bytes'), false);
    assert.equal(value[0]?.counters.get('tx bytes'), 5);
    assert.equal(value[0]?.incomplete, true);
    assert.equal(report.truncated[0]?.field, 'counter_value');
  });

  it('marks an interface incomplete when a line of its block is garbled', () => {
    const text = `${showInterfaceText([
      { name: 'tap0', swIfIndex: 1, state: 'up', mtu: '1500/1500/1500/1500', counters: [['rx packets', 3]] },
    ])}                                                                    ##garbage##\r\n`;
    const { value, report } = parseShowInterface(text);
    assert.equal(value[0]?.incomplete, true);
    assert.equal(report.unparsedLines, 1);
  });

  it('reads nothing without the header and says so', () => {
    const { value, report } = parseShowInterface('tap0   1   up   1500/1500/1500/1500   rx packets   4\n');
    assert.equal(value.length, 0);
    assert.equal(report.unparsedLines, 1);
  });

  it('treats empty output as no interfaces', () => {
    assert.deepEqual(parseShowInterface('').value, []);
  });

  assertNeverThrows('parseShowInterface', parseShowInterface, [
    demoVpp('worker-a', 'show-interface'),
    vppFixture('vpp2606-show-interface-traffic-path.txt'),
  ]);

  it('reads 10,000 interfaces of synthetic output in VPP format without loss', () => {
    const rnd = seededRandom(7);
    const ifaces = Array.from({ length: 10_000 }, (_, k) => ({
      name: `tap${k}`,
      swIfIndex: k + 1,
      state: k % 7 === 0 ? 'down' : 'up',
      mtu: '1500/1500/1500/1500',
      counters: [
        ['rx packets', Math.floor(rnd() * 1e9)],
        ['rx bytes', Math.floor(rnd() * 1e12)],
        ['drops', k % 3],
      ] as [string, number][],
    }));
    const { value, report } = parseShowInterface(showInterfaceText(ifaces));
    assert.equal(report.unparsedLines, 0);
    assert.equal(value.length, 10_000);
    assert.equal(value[9999]?.counters.get('rx bytes'), ifaces[9999]?.counters[1]?.[1]);
    assert.equal(value[8]?.adminUp, true);
    assert.equal(value[14]?.adminUp, false);
  });
});
