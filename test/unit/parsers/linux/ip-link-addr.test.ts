import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIpAddrJson, parseIpAddrText } from '../../../../src/parsers/linux/ip-addr.ts';
import { parseIpLinkJson } from '../../../../src/parsers/linux/ip-link.ts';
import { parseProcNetDev } from '../../../../src/parsers/linux/proc-net-dev.ts';
import { parseSysClassNetAddress } from '../../../../src/parsers/linux/sys-class-net.ts';
import { demoPod, FRONTEND_GHI, linuxFixture, PROXY, TARGET } from '../../../support/fixtures.ts';
import { assertNeverThrows } from '../never-throws.ts';

describe('parseIpLinkJson', () => {
  it("reads the proxy's bridge and its three ports with MAC, MTU, master, kind and counters", () => {
    const { value, report } = parseIpLinkJson(demoPod('worker-a', PROXY, 'ip-json-stats-details-link-show'));
    assert.equal(report.unparsedLines, 0);
    const byName = new Map(value.links.map((l) => [l.name, l]));
    assert.deepEqual([...byName.keys()].sort(), [
      'bridge0',
      'conduit-a--1b2a',
      'conduit-a--90c8',
      'lo',
      'proxy.cond-97e3',
    ]);
    assert.deepEqual(
      { ...byName.get('conduit-a--90c8'), flags: undefined },
      {
        name: 'conduit-a--90c8',
        mac: '02:fe:eb:4a:02:dc',
        mtu: 1400,
        operstate: 'UP',
        master: 'bridge0',
        kind: 'veth',
        flags: undefined,
        ifindex: 4,
        // The veth's peer, in the frontend's namespace (id 1 as the proxy's namespace numbers it).
        peerIfindex: 2,
        peerNetnsId: 1,
      },
    );
    assert.equal(byName.get('bridge0')?.kind, 'bridge');
    assert.equal(byName.get('bridge0')?.peerIfindex, undefined);
    assert.equal(byName.get('bridge0')?.master, undefined);
    const c = value.counters.find((x) => x.name === 'proxy.cond-97e3');
    assert.ok(c && c.rxPackets !== undefined && c.rxPackets > 0 && c.txBytes !== undefined);
    assert.equal(value.counters.length, 5);
  });

  it('drops a counter too large for a JS number instead of rounding it', () => {
    const text = JSON.stringify([
      { ifname: 'eth0', stats64: { rx: { bytes: 2 ** 60, packets: 5 }, tx: {} } },
    ]);
    const { value } = parseIpLinkJson(text);
    assert.deepEqual(value.counters, [{ name: 'eth0', rxPackets: 5 }]);
  });

  it('reports output that is not a JSON array instead of guessing', () => {
    for (const text of ['Option "-json" is unknown', '[{"ifname":"eth0"', '{"ifname":"eth0"}']) {
      const { value, report } = parseIpLinkJson(text);
      assert.equal(value.links.length, 0);
      assert.equal(report.unparsedLines, 1, text);
    }
  });

  it('skips items with an invalid interface name and counts them', () => {
    const { value, report } = parseIpLinkJson('[{"ifname":"a/b"},{"ifname":"ok"},3]');
    assert.deepEqual(
      value.links.map((l) => l.name),
      ['ok'],
    );
    assert.equal(report.unparsedLines, 2);
  });
});

describe('parseIpAddrJson', () => {
  it("reads the target's VIPs next to its conduit address", () => {
    const { value, report } = parseIpAddrJson(demoPod('worker-a', TARGET, 'ip-json-addr-show'));
    assert.equal(report.unparsedLines, 0);
    const nsm = value.addresses
      .filter((a) => a.interface === 'nsm-0')
      .map((a) => `${a.address}/${a.prefixLen}`);
    assert.deepEqual(nsm.sort(), [
      '172.16.1.6/24',
      '20.0.0.1/32',
      '2000::1/128',
      'fd00:0:0:1::6/64',
      'fe80::fe:c2ff:fe14:ecdd/64',
    ]);
    assert.equal(value.addresses.find((a) => a.address === '2000::1')?.family, 'ipv6');
  });
});

describe('parseIpAddrText', () => {
  it("reads the guide's `ip a` of the proxy: bridge0 and its ports with masters and addresses", () => {
    const { value, report } = parseIpAddrText(linuxFixture('ip-addr.guide.proxy.txt'));
    assert.equal(report.unparsedLines, 0);
    assert.deepEqual(
      value.links.map((l) => [l.name, l.mac, l.mtu, l.master, l.operstate]),
      [
        ['bridge0', '02:fe:d2:cc:a2:95', 1400, undefined, 'UP'],
        ['conduit-a--90c8', '02:fe:eb:4a:02:dc', 1400, 'bridge0', 'UNKNOWN'],
        ['conduit-a--1b2a', '02:fe:7d:e7:f6:2a', 1500, 'bridge0', 'UNKNOWN'],
        ['proxy.cond-97e3', '02:fe:d4:d5:c4:53', 1500, 'bridge0', 'UNKNOWN'],
      ],
    );
    assert.equal(value.addresses.length, 12);
    assert.deepEqual(value.addresses[0], {
      interface: 'bridge0',
      family: 'ipv4',
      address: '172.16.1.1',
      prefixLen: 24,
      scope: 'global',
    });
  });

  it("reads the target's nsm-0 with both VIPs and the frontend's conduit interface", () => {
    const target = parseIpAddrText(linuxFixture('ip-addr.guide.target-nsm-0.txt')).value;
    assert.deepEqual(
      target.addresses.map((a) => a.address),
      ['172.16.1.6', '20.0.0.1', '2000::1', 'fd00:0:0:1::6', 'fe80::fe:c2ff:fe14:ecdd'],
    );
    const fe = parseIpAddrText(linuxFixture('ip-addr.guide.frontend-ghi.txt')).value;
    assert.equal(fe.links[0]?.mac, '02:fe:18:32:8d:87');
  });

  it('agrees with the JSON form on a real namespace (same links, MACs and addresses)', () => {
    const text = parseIpAddrText(linuxFixture('ip-addr.netns.proxy.txt')).value;
    assert.equal(parseIpAddrText(linuxFixture('ip-addr.netns.proxy.txt')).report.unparsedLines, 0);
    const json = parseIpAddrJson(demoPod('worker-a', PROXY, 'ip-json-addr-show')).value;
    const key = (a: { interface: string; address: string; prefixLen: number }) =>
      `${a.interface} ${a.address}/${a.prefixLen}`;
    assert.deepEqual(text.addresses.map(key).sort(), json.addresses.map(key).sort());
    assert.equal(text.links.find((l) => l.name === 'conduit-a--1b2a')?.master, 'bridge0');
  });
});

describe('parseProcNetDev', () => {
  it('reads the counters of every interface of a real namespace', () => {
    const { value, report } = parseProcNetDev(linuxFixture('proc-net-dev.netns.proxy.txt'));
    assert.equal(report.unparsedLines, 0);
    assert.deepEqual(value.map((c) => c.name).sort(), [
      'bridge0',
      'conduit-a--1b2a',
      'conduit-a--90c8',
      'lo',
      'proxy.cond-97e3',
    ]);
    assert.ok((value.find((c) => c.name === 'bridge0')?.rxPackets ?? 0) > 0);
  });

  it('splits a long name that touches its first number at the colon', () => {
    const line = 'conduit-a--1b2a:123456789 7 0 1 0 0 0 0 987 6 0 2 0 0 0 0';
    const [c] = parseProcNetDev(`Inter-|   Receive\n face |bytes\n${line}\n`).value;
    assert.deepEqual(c, {
      name: 'conduit-a--1b2a',
      rxBytes: 123456789,
      rxPackets: 7,
      rxErrors: 0,
      rxDropped: 1,
      txBytes: 987,
      txPackets: 6,
      txErrors: 0,
      txDropped: 2,
    });
  });

  it('leaves out a counter it cannot read and notes it', () => {
    const { value, report } = parseProcNetDev('eth0: 1 2 3 x 0 0 0 0 5 6 7 8 0 0 0 0\n');
    assert.equal(value[0]?.rxDropped, undefined);
    assert.equal(value[0]?.txDropped, 8);
    assert.equal(report.truncated.length, 1);
  });
});

describe('parseSysClassNetAddress', () => {
  it('reads grep -H output of /sys/class/net/*/address and name/MAC lines', () => {
    const { value, report } = parseSysClassNetAddress(linuxFixture('sys-class-net-address.netns.proxy.txt'));
    assert.equal(report.unparsedLines, 0);
    assert.equal(value.find((l) => l.name === 'proxy.cond-97e3')?.mac, '02:fe:d4:d5:c4:53');
    assert.deepEqual(parseSysClassNetAddress('nsm-0 02:FE:C2:14:EC:DD\n').value, [
      { name: 'nsm-0', mac: '02:fe:c2:14:ec:dd' },
    ]);
  });
});

const samples = [
  demoPod('worker-a', PROXY, 'ip-json-stats-details-link-show'),
  demoPod('worker-a', FRONTEND_GHI, 'ip-json-addr-show'),
];
assertNeverThrows('parseIpLinkJson', parseIpLinkJson, samples);
assertNeverThrows('parseIpAddrJson', parseIpAddrJson, samples);
assertNeverThrows('parseIpAddrText', parseIpAddrText, [
  linuxFixture('ip-addr.guide.proxy.txt'),
  linuxFixture('ip-addr.netns.proxy.txt'),
]);
assertNeverThrows('parseProcNetDev', parseProcNetDev, [linuxFixture('proc-net-dev.netns.proxy.txt')]);
assertNeverThrows('parseSysClassNetAddress', parseSysClassNetAddress, [
  linuxFixture('sys-class-net-address.netns.proxy.txt'),
]);
