import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBridgeFdbJson, parseBridgeFdbText } from '../../../../src/parsers/linux/bridge-fdb.ts';
import {
  parseIpNeighJson,
  parseIpNeighText,
  parseProcNetArp,
} from '../../../../src/parsers/linux/ip-neigh.ts';
import { demoPod, linuxFixture, PROXY } from '../../../support/fixtures.ts';
import { assertNeverThrows } from '../never-throws.ts';

describe('neighbour parsers', () => {
  it("reads the proxy's ARP and NDP entries of both frontends from JSON", () => {
    const { value, report } = parseIpNeighJson(demoPod('worker-a', PROXY, 'ip-json-neigh-show'));
    assert.equal(report.unparsedLines, 0);
    const fe = value.find((n) => n.ip === '172.16.1.4');
    assert.deepEqual(fe, {
      family: 'ipv4',
      ip: '172.16.1.4',
      dev: 'bridge0',
      lladdr: '02:fe:18:32:8d:87',
      state: 'REACHABLE',
      router: false,
    });
    assert.ok(value.some((n) => n.ip === 'fd00:0:0:1::2' && n.family === 'ipv6'));
  });

  it('sees a FAILED neighbour without lladdr, in JSON and in text, after a frontend went down', () => {
    for (const parsed of [
      parseIpNeighJson(linuxFixture('ip-neigh-json.netns.proxy-failed.txt')),
      parseIpNeighText(linuxFixture('ip-neigh.netns.proxy-failed.txt')),
    ]) {
      assert.equal(parsed.report.unparsedLines, 0);
      assert.deepEqual(
        parsed.value.find((n) => n.ip === '172.16.1.4'),
        {
          family: 'ipv4',
          ip: '172.16.1.4',
          dev: 'bridge0',
          state: 'FAILED',
          router: false,
        },
      );
    }
  });

  it("reads the guide's `ip -6 neighbour` with the router flag", () => {
    assert.deepEqual(parseIpNeighText(linuxFixture('ip-6-neigh.guide.txt')).value, [
      {
        family: 'ipv6',
        ip: 'fd00:0:0:1::4',
        dev: 'bridge0',
        lladdr: '02:fe:18:32:8d:87',
        state: 'REACHABLE',
        router: true,
      },
      {
        family: 'ipv6',
        ip: 'fd00:0:0:1::2',
        dev: 'bridge0',
        lladdr: '02:fe:66:8b:f7:da',
        state: 'REACHABLE',
        router: true,
      },
    ]);
  });

  it("reads the guide's /proc/net/arp, and an unresolved entry as INCOMPLETE without MAC", () => {
    const guide = parseProcNetArp(linuxFixture('proc-net-arp.guide.proxy.txt'));
    assert.equal(guide.report.unparsedLines, 0);
    assert.deepEqual(
      guide.value.map((n) => [n.ip, n.lladdr, n.state]),
      [
        ['172.16.1.4', '02:fe:18:32:8d:87', 'VALID'],
        ['172.16.1.2', '02:fe:66:8b:f7:da', 'VALID'],
      ],
    );
    const failed = parseProcNetArp(linuxFixture('proc-net-arp.netns.proxy-failed.txt')).value;
    assert.deepEqual(
      failed.find((n) => n.ip === '172.16.1.4'),
      {
        family: 'ipv4',
        ip: '172.16.1.4',
        dev: 'bridge0',
        state: 'INCOMPLETE',
        router: false,
      },
    );
  });
});

describe('bridge FDB parsers', () => {
  it("finds the target's MAC behind proxy.cond-97e3 and leaves out the ports' own filters", () => {
    const { value, report } = parseBridgeFdbJson(demoPod('worker-a', PROXY, 'bridge-json-fdb-show'));
    assert.equal(report.unparsedLines, 0);
    assert.deepEqual(
      value.find((e) => e.mac === '02:fe:c2:14:ec:dd'),
      {
        mac: '02:fe:c2:14:ec:dd',
        port: 'proxy.cond-97e3',
        bridge: 'bridge0',
        state: '',
      },
    );
    assert.ok(value.every((e) => e.bridge === 'bridge0'));
    assert.equal(value.filter((e) => e.mac.startsWith('33:33')).length, 0);
    assert.equal(value.length, 7);
  });

  it("reads the guide's `bridge fdb` and a real text dump like the JSON one", () => {
    assert.deepEqual(parseBridgeFdbText(linuxFixture('bridge-fdb.guide.proxy.txt')).value, [
      { mac: '02:fe:c2:14:ec:dd', port: 'proxy.cond-97e3', bridge: 'bridge0', state: '' },
    ]);
    const text = parseBridgeFdbText(linuxFixture('bridge-fdb.netns.proxy.txt'));
    assert.equal(text.report.unparsedLines, 0);
    const json = parseBridgeFdbJson(demoPod('worker-a', PROXY, 'bridge-json-fdb-show')).value;
    const key = (e: { mac: string; port: string; state: string }) => `${e.mac} ${e.port} ${e.state}`;
    assert.deepEqual(text.value.map(key).sort(), json.map(key).sort());
  });

  it('reads vlan and static entries', () => {
    const { value } = parseBridgeFdbText('aa:bb:cc:dd:ee:ff dev p1 vlan 10 master br0 static\n');
    assert.deepEqual(value, [
      { mac: 'aa:bb:cc:dd:ee:ff', port: 'p1', bridge: 'br0', state: 'static', vlan: 10 },
    ]);
  });
});

assertNeverThrows('parseIpNeighJson', parseIpNeighJson, [demoPod('worker-a', PROXY, 'ip-json-neigh-show')]);
assertNeverThrows('parseIpNeighText', parseIpNeighText, [linuxFixture('ip-neigh.netns.proxy-failed.txt')]);
assertNeverThrows('parseProcNetArp', parseProcNetArp, [linuxFixture('proc-net-arp.netns.proxy-failed.txt')]);
assertNeverThrows('parseBridgeFdbJson', parseBridgeFdbJson, [
  demoPod('worker-a', PROXY, 'bridge-json-fdb-show'),
]);
assertNeverThrows('parseBridgeFdbText', parseBridgeFdbText, [linuxFixture('bridge-fdb.netns.proxy.txt')]);
