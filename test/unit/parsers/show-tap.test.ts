import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseShowTap } from '../../../src/parsers/vpp/show-tap.ts';
import { demoVpp, vppFixture } from '../../support/fixtures.ts';
import { assertNeverThrows } from './never-throws.ts';

describe('parseShowTap', () => {
  it("reads every field of the guide's tap3", () => {
    const { value, report } = parseShowTap(vppFixture('show-tap.meridio-docs.tap3.txt'));
    assert.equal(report.unparsedLines, 0, JSON.stringify(report.firstUnparsed));
    assert.deepEqual(value, [
      {
        name: 'tap3',
        hwIfIndex: 7,
        hostIfName: 'conduit-a--f75b',
        hostNs: '/proc/1/fd/43',
        hostMac: '02:fe:18:32:8d:87',
        hostCarrierUp: true,
        gsoEnabled: false,
        csumEnabled: false,
        packetCoalesce: false,
        packetBuffering: false,
        mac: '02:fe:62:6c:fa:ab',
        deviceInstance: 3,
        adminUp: true,
        flags: ['admin-up'],
        features: ['VIRTIO_NET_F_MRG_RXBUF', 'VIRTIO_RING_F_INDIRECT_DESC', 'VIRTIO_F_VERSION_1'],
        remoteFeatures: [
          'VIRTIO_NET_F_MRG_RXBUF',
          'VIRTIO_F_NOTIFY_ON_EMPTY',
          'VHOST_F_LOG_ALL',
          'VIRTIO_F_ANY_LAYOUT',
          'VIRTIO_RING_F_INDIRECT_DESC',
          'VIRTIO_RING_F_EVENT_IDX',
          'VIRTIO_F_VERSION_1',
          'VIRTIO_F_IOMMU_PLATFORM',
        ],
        rxQueues: 1,
        txQueues: 1,
        virtqueues: [
          { direction: 'rx', id: 0, size: 1024, lastUsedIdx: 6, descNext: 960, descInUse: 954 },
          { direction: 'tx', id: 1, size: 1024, lastUsedIdx: 36, descNext: 37, descInUse: 1 },
        ],
      },
    ]);
  });

  it("reads all five taps of the guide's worker-a, the tap5 excerpt included", () => {
    const { value, report } = parseShowTap(demoVpp('worker-a', 'show-tap'));
    assert.equal(report.unparsedLines, 0);
    assert.deepEqual(
      value.map((t) => [t.name, t.hostIfName, t.hostMac]),
      [
        ['tap1', 'conduit-a--90c8', '02:fe:eb:4a:02:dc'],
        ['tap3', 'conduit-a--f75b', '02:fe:18:32:8d:87'],
        ['tap4', 'conduit-a--1b2a', '02:fe:7d:e7:f6:2a'],
        ['tap5', 'proxy.cond-97e3', '02:fe:d4:d5:c4:53'],
        ['tap6', 'nsm-0', '02:fe:c2:14:ec:dd'],
      ],
    );
    assert.equal(value[3]?.virtqueues.length, 1);
  });

  it("reads worker-b's tap1", () => {
    const { value } = parseShowTap(demoVpp('worker-b', 'show-tap'));
    assert.equal(value[0]?.hostMac, '02:fe:66:8b:f7:da');
    assert.equal(value[0]?.hostNs, '/proc/1/fd/32');
  });

  it('reads the Calico tun variant: no host MAC, host-mtu-size, rss, 5 TX queues, GRO table lines', () => {
    const { value, report } = parseShowTap(vppFixture('show-tun.calico-vpp-docs.tun10-grep.txt'));
    assert.equal(report.unparsedLines, 0, JSON.stringify(report.firstUnparsed));
    const t = value[0];
    assert.equal(t?.hostMtu, 1480);
    assert.equal(t?.hostMac, undefined);
    assert.equal(t?.rssEnabled, false);
    assert.equal(t?.txQueues, 5);
    assert.equal(t?.gsoEnabled, true);
    assert.equal(t?.hostNs, '/var/run/netns/cni-fa68a216-bdc4-47ff-a2ec-20f526c85442');
  });

  it('reads the v26.02+ tap plugin layout (admin state line, lower-case keys)', () => {
    const text = [
      'Interface: tap0 (ifindex 1)',
      '  name "eth0"',
      '  host-mac-addr: 02:FE:00:00:00:01',
      '  host-carrier-up: 0',
      '  vhost-worker-mode: kthread',
      '  mac Address: 02:fe:00:00:00:02',
      '  device instance: 0',
      '  admin state: down',
      '  features 0x110008000',
      '    VIRTIO_NET_F_MRG_RXBUF(15)',
      '  Virtqueue (RX) 0',
      '    qsz 256, last_used_idx 0, desc_next 0, desc_in_use 0',
      '    kickfd 12',
      '',
    ].join('\r\n');
    const { value, report } = parseShowTap(text);
    assert.equal(report.unparsedLines, 0, JSON.stringify(report.firstUnparsed));
    assert.equal(value[0]?.adminUp, false);
    assert.equal(value[0]?.hostCarrierUp, false);
    assert.equal(value[0]?.hostMac, '02:fe:00:00:00:01');
    assert.equal(value[0]?.mac, '02:fe:00:00:00:02');
    assert.equal(value[0]?.virtqueues[0]?.size, 256);
  });

  it('treats empty output as no taps', () => {
    const { value, report } = parseShowTap('');
    assert.deepEqual(value, []);
    assert.equal(report.unparsedLines, 0);
  });

  it('reports unknown lines', () => {
    const { report } = parseShowTap('Interface: tap0 (ifindex 1)\n  brand-new-field 7\n');
    assert.equal(report.unparsedLines, 1);
  });

  assertNeverThrows('parseShowTap', parseShowTap, [demoVpp('worker-a', 'show-tap')]);
});
