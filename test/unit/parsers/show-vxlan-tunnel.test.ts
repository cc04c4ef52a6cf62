import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseShowVxlanTunnel } from '../../../src/parsers/vpp/show-vxlan-tunnel.ts';
import { demoVpp, vppFixture } from '../../support/fixtures.ts';
import { assertNeverThrows } from './never-throws.ts';

describe('parseShowVxlanTunnel', () => {
  it("reads the guide's worker-a tunnel to 172.18.0.4", () => {
    const { value, report } = parseShowVxlanTunnel(demoVpp('worker-a', 'show-vxlan-tunnel-raw'));
    assert.equal(report.unparsedLines, 0);
    assert.deepEqual(value, [
      {
        devInstance: 0,
        instance: 0,
        src: '172.18.0.2',
        dst: '172.18.0.4',
        srcPort: 4789,
        dstPort: 4789,
        vni: 9832580,
        fibIndex: 0,
        swIfIndex: 4,
        family: 'ipv4',
      },
    ]);
  });

  it("reads the guide's worker-b tunnel back to 172.18.0.2", () => {
    const t = parseShowVxlanTunnel(vppFixture('show-vxlan-tunnel-raw.meridio-docs.worker-b.txt')).value[0];
    assert.equal(t?.dst, '172.18.0.2');
    assert.equal(t?.swIfIndex, 5);
  });

  it('reads IPv6 tunnels, custom ports, the largest VNI and instance numbers that differ from [n]', () => {
    const { value, report } = parseShowVxlanTunnel(
      vppFixture('show-vxlan-tunnel.local-vpp-v26.06.ipv6-and-custom-ports.txt'),
    );
    assert.equal(report.unparsedLines, 0);
    assert.deepEqual(
      value.map((t) => [t.devInstance, t.instance, t.src, t.family, t.srcPort, t.vni]),
      [
        [0, 7, 'fd00::1', 'ipv6', 4789, 4000000],
        [1, 1, '10.10.0.1', 'ipv4', 14789, 16777215],
      ],
    );
  });

  it('reads the pre-v21.06 line without ports', () => {
    const { value } = parseShowVxlanTunnel(
      '[0] instance 3 src 10.0.0.1 dst 10.0.0.2 vni 100 fib-idx 0 sw-if-idx 9 encap-dpo-idx 1 \r\n',
    );
    assert.equal(value[0]?.srcPort, undefined);
    assert.equal(value[0]?.vni, 100);
  });

  it('ignores the bihash dump `raw` appends after the tunnel lines', () => {
    const text = `${vppFixture('vpp2606-show-vxlan-tunnel.txt')}Raw IPv4 Hash Table:\r\nHash table 'vxlan4'\r\n    1 active elements 1 active buckets\r\n[0]: heap offset 1280, len 1, refcnt 1, linear 0\r\n    0: key 0x0 value 0x0\r\nRaw IPv6 Hash Table:\r\n`;
    const { value, report } = parseShowVxlanTunnel(text);
    assert.equal(value.length, 1);
    assert.equal(report.unparsedLines, 0);
  });

  it('reads "no tunnels" as an empty list', () => {
    assert.deepEqual(parseShowVxlanTunnel('No vxlan tunnels configured...\r\n').value, []);
  });

  assertNeverThrows('parseShowVxlanTunnel', parseShowVxlanTunnel, [
    vppFixture('show-vxlan-tunnel.local-vpp-v26.06.ipv6-and-custom-ports.txt'),
  ]);
});
