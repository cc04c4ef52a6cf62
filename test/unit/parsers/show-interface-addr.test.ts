import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseShowInterfaceAddr } from '../../../src/parsers/vpp/show-interface-addr.ts';
import { demoVpp, FIXTURES, vppFixture } from '../../support/fixtures.ts';
import { assertNeverThrows } from './never-throws.ts';

const byName = (text: string) => new Map(parseShowInterfaceAddr(text).value.map((i) => [i.name, i]));

describe('parseShowInterfaceAddr', () => {
  it("reads the guide's xconnect pairs on worker-a", () => {
    const { value, report } = parseShowInterfaceAddr(demoVpp('worker-a', 'show-interface-addr'));
    assert.equal(report.unparsedLines, 0);
    assert.deepEqual(
      value.map((i) => [i.name, i.adminUp, i.xconnectPeer]),
      [
        ['tap1', true, 'vxlan_tunnel0'],
        ['tap3', true, 'tap4'],
        ['tap4', true, 'tap3'],
        ['tap5', true, 'tap6'],
        ['tap6', true, 'tap5'],
        ['vxlan_tunnel0', true, 'tap1'],
      ],
    );
  });

  it('reads bridge members, L3 addresses and sub-interfaces (gateway sample)', () => {
    const m = byName(vppFixture('show-interface-addr.meridio-docs.gateway-l3-subif-bridge.txt'));
    assert.deepEqual(m.get('host-eth0')?.addresses, [
      { address: '172.18.0.2', prefixLen: 16, family: 'ipv4', borrowed: false },
    ]);
    assert.deepEqual(m.get('host-eth0.100')?.bridge, { bdId: 7271263, bdIndex: 1, shg: 0, bvi: false });
    assert.deepEqual(m.get('tap0')?.bridge, { bdId: 7271263, bdIndex: 1, shg: 1, bvi: false });
  });

  it('reads v26.06 output: untruncated long names, BVI, IPv6, admin-down, unnumbered with borrowed addresses', () => {
    const { value, report } = parseShowInterfaceAddr(
      vppFixture('show-interface-addr.local-vpp-v26.06.unnumbered-ipv6-bvi.txt'),
    );
    assert.equal(report.unparsedLines, 0);
    const m = new Map(value.map((i) => [i.name, i]));
    assert.ok(m.has('TwentyFiveGigabitEthernet3b/0/1-renamed-very-long-name'));
    assert.deepEqual(m.get('loop0.100')?.bridge, { bdId: 16777215, bdIndex: 1, shg: 0, bvi: true });
    assert.equal(m.get('loop0.4000000000')?.adminUp, false);
    assert.deepEqual(
      m.get('loop0')?.addresses.map((a) => [a.address, a.family, a.borrowed]),
      [
        ['10.10.0.1', 'ipv4', false],
        ['fd00::1', 'ipv6', false],
      ],
    );
    const loop1 = m.get('loop1');
    assert.equal(loop1?.unnumberedFrom, 'loop0');
    assert.ok(loop1?.addresses.every((a) => a.borrowed));
  });

  it('undoes the wrap of ip4 table ids VPP printed negative before v25.10', () => {
    const m = byName(vppFixture('show-interface-addr.calico-vpp-docs.tun-unnumbered-grep.txt'));
    const a = m.get('tun10')?.addresses[0];
    assert.equal(a?.tableId, 2 ** 32 - 100501683);
    assert.equal(a?.fibIndex, 22);
  });

  for (const file of readdirSync(`${FIXTURES}vpp`).filter((f) => /show-interface-addr/.test(f))) {
    it(`parses every line of ${file}`, () => {
      const { value, report } = parseShowInterfaceAddr(vppFixture(file));
      assert.ok(value.length > 0);
      assert.equal(report.unparsedLines, 0, JSON.stringify(report.firstUnparsed));
    });
  }

  it('reports lines it does not know instead of guessing', () => {
    const { value, report } = parseShowInterfaceAddr('tap0 (up):\n  L2 something-new 7\n');
    assert.equal(value.length, 1);
    assert.equal(report.unparsedLines, 1);
    assert.equal(report.firstUnparsed?.lineNo, 2);
  });

  assertNeverThrows('parseShowInterfaceAddr', parseShowInterfaceAddr, [
    vppFixture('show-interface-addr.local-vpp-v26.06.unnumbered-ipv6-bvi.txt'),
  ]);
});
