import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIpRouteJson, parseIpRouteText } from '../../../../src/parsers/linux/ip-route.ts';
import { parseIpRuleJson, parseIpRuleText } from '../../../../src/parsers/linux/ip-rule.ts';
import { demoPod, linuxFixture, PROXY } from '../../../support/fixtures.ts';
import { assertNeverThrows } from '../never-throws.ts';

describe('parseIpRuleJson / parseIpRuleText', () => {
  it('finds the VIP rules of the proxy in the recorded JSON', () => {
    const v4 = parseIpRuleJson(demoPod('worker-a', PROXY, 'ip-json-4-rule-show'), 'ipv4');
    const v6 = parseIpRuleJson(demoPod('worker-a', PROXY, 'ip-json-6-rule-show'), 'ipv6');
    assert.equal(v4.report.unparsedLines + v6.report.unparsedLines, 0);
    assert.deepEqual(
      v4.value.find((r) => r.priority === 32765),
      { family: 'ipv4', priority: 32765, from: '20.0.0.1', action: 'lookup', table: '1' },
    );
    assert.deepEqual(
      v6.value.find((r) => r.priority === 32765),
      { family: 'ipv6', priority: 32765, from: '2000::1', action: 'lookup', table: '2' },
    );
    assert.deepEqual(
      v4.value.map((r) => r.table),
      ['local', '1', 'main', 'default'],
    );
  });

  it("reads the guide's `ip rule` and `ip -6 rule` text", () => {
    assert.deepEqual(parseIpRuleText(linuxFixture('ip-rule.guide.proxy.txt'), 'ipv4').value, [
      { family: 'ipv4', priority: 32765, from: '20.0.0.1', action: 'lookup', table: '1' },
    ]);
    assert.deepEqual(parseIpRuleText(linuxFixture('ip-6-rule.guide.proxy.txt'), 'ipv6').value, [
      { family: 'ipv6', priority: 32765, from: '2000::1', action: 'lookup', table: '2' },
    ]);
    const real = parseIpRuleText(linuxFixture('ip-4-rule.netns.proxy.txt'), 'ipv4');
    assert.equal(real.report.unparsedLines, 0);
    assert.deepEqual(
      real.value.map((r) => `${r.priority} ${r.from} ${r.table}`),
      ['0 all local', '32765 20.0.0.1 1', '32766 all main', '32767 all default'],
    );
  });

  it('reads selectors and actions, and reports lines it cannot read', () => {
    const text = [
      '100:\tnot from 10.0.0.0/8 fwmark 0x1 lookup 100',
      '200:\tfrom all iif eth0 to 192.0.2.0/24 blackhole',
      'garbage line',
      '',
    ].join('\n');
    const { value, report } = parseIpRuleText(text, 'ipv4');
    assert.deepEqual(value, [
      {
        family: 'ipv4',
        priority: 100,
        from: '10.0.0.0/8',
        not: true,
        fwmark: '0x1',
        table: '100',
        action: 'lookup',
      },
      { family: 'ipv4', priority: 200, from: 'all', iif: 'eth0', to: '192.0.2.0/24', action: 'blackhole' },
    ]);
    assert.equal(report.unparsedLines, 1);
  });

  it('keeps a source prefix length from JSON', () => {
    const { value } = parseIpRuleJson('[{"priority":5,"src":"10.1.0.0","srclen":16,"table":"7"}]', 'ipv4');
    assert.equal(value[0]?.from, '10.1.0.0/16');
  });
});

describe('parseIpRouteJson / parseIpRouteText', () => {
  it('reads the multipath default route of VIP table 1 with both frontends as nexthops', () => {
    const { value, report } = parseIpRouteJson(
      demoPod('worker-a', PROXY, 'ip-json-4-route-show-table-all'),
      'ipv4',
    );
    assert.equal(report.unparsedLines, 0);
    const t1 = value.find((r) => r.table === '1');
    assert.deepEqual(t1, {
      family: 'ipv4',
      table: '1',
      dst: 'default',
      type: 'unicast',
      nexthops: [
        { via: '172.16.1.2', dev: 'bridge0', weight: 1, flags: [] },
        { via: '172.16.1.4', dev: 'bridge0', weight: 1, flags: [] },
      ],
    });
    assert.equal(value.find((r) => r.dst === '172.16.1.0/24')?.table, 'main');
    assert.ok(value.some((r) => r.table === 'local' && r.type === 'broadcast'));
  });

  it('reads IPv6 table 2 from JSON with its metric', () => {
    const { value } = parseIpRouteJson(demoPod('worker-a', PROXY, 'ip-json-6-route-show-table-all'), 'ipv6');
    const t2 = value.find((r) => r.table === '2');
    assert.equal(t2?.metric, 1024);
    assert.deepEqual(
      t2?.nexthops.map((n) => n.via),
      ['fd00:0:0:1::2', 'fd00:0:0:1::4'],
    );
  });

  it("reads the guide's `ip route show table 1` and `ip -6 route show table 2`", () => {
    const v4 = parseIpRouteText(linuxFixture('ip-route-table-1.guide.proxy.txt'), 'ipv4', '1');
    assert.equal(v4.report.unparsedLines, 0);
    assert.deepEqual(v4.value, [
      {
        family: 'ipv4',
        table: '1',
        dst: 'default',
        type: 'unicast',
        nexthops: [
          { via: '172.16.1.2', dev: 'bridge0', weight: 1, flags: [] },
          { via: '172.16.1.4', dev: 'bridge0', weight: 1, flags: [] },
        ],
      },
    ]);
    const v6 = parseIpRouteText(linuxFixture('ip-6-route-table-2.guide.proxy.txt'), 'ipv6', '2');
    assert.equal(v6.value[0]?.metric, 1024);
    assert.equal(v6.value[0]?.nexthops.length, 2);
  });

  it('agrees with the JSON form on a real `table all` dump, both families', () => {
    for (const [fixture, slug, family] of [
      ['ip-4-route-all.netns.proxy.txt', 'ip-json-4-route-show-table-all', 'ipv4'],
      ['ip-6-route-all.netns.proxy.txt', 'ip-json-6-route-show-table-all', 'ipv6'],
    ] as const) {
      const text = parseIpRouteText(linuxFixture(fixture), family);
      assert.equal(text.report.unparsedLines, 0, fixture);
      const json = parseIpRouteJson(demoPod('worker-a', PROXY, slug), family).value;
      const key = (r: {
        table: string;
        dst: string;
        type: string;
        nexthops: { via?: string; dev?: string }[];
      }) => `${r.table} ${r.type} ${r.dst} ${r.nexthops.map((n) => `${n.via}@${n.dev}`).join('+')}`;
      assert.deepEqual(text.value.map(key).sort(), json.map(key).sort(), fixture);
    }
  });

  it('reads route types, flags and IPv4-via-IPv6 gateways', () => {
    const text = [
      'unreachable default table 5 metric 1024',
      '10.0.0.0/8 via inet6 fe80::1 dev eth0 table 6 onlink',
      'default table 7 proto static',
      '\tnexthop via 192.0.2.1 dev eth1 weight 3 dead linkdown',
      '\tnexthop via 192.0.2.2 dev eth2 weight 1',
      '',
    ].join('\n');
    const { value, report } = parseIpRouteText(text, 'ipv4');
    assert.equal(report.unparsedLines, 0);
    assert.deepEqual(value[0], {
      family: 'ipv4',
      table: '5',
      dst: 'default',
      type: 'unreachable',
      metric: 1024,
      nexthops: [],
    });
    assert.deepEqual(value[1]?.nexthops, [{ via: 'fe80::1', dev: 'eth0', flags: ['onlink'] }]);
    assert.deepEqual(value[2]?.nexthops[0], {
      via: '192.0.2.1',
      dev: 'eth1',
      weight: 3,
      flags: ['dead', 'linkdown'],
    });
    assert.equal(value[2]?.protocol, 'static');
  });
});

assertNeverThrows('parseIpRuleJson', (t) => parseIpRuleJson(t, 'ipv4'), [
  demoPod('worker-a', PROXY, 'ip-json-4-rule-show'),
]);
assertNeverThrows('parseIpRuleText', (t) => parseIpRuleText(t, 'ipv4'), [
  linuxFixture('ip-4-rule.netns.proxy.txt'),
]);
assertNeverThrows('parseIpRouteJson', (t) => parseIpRouteJson(t, 'ipv6'), [
  demoPod('worker-a', PROXY, 'ip-json-6-route-show-table-all'),
]);
assertNeverThrows('parseIpRouteText', (t) => parseIpRouteText(t, 'ipv4'), [
  linuxFixture('ip-4-route-all.netns.proxy.txt'),
  linuxFixture('ip-6-route-all.netns.proxy.txt'),
]);
