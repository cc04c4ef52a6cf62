import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { PodLink } from '../../../src/parsers/linux/records.ts';
import { correlatePath } from '../../../src/path/correlate.ts';
import type { PathGraph, PathLink } from '../../../src/path/graph.ts';
import { FRONTEND_GHI, PROXY } from '../../support/fixtures.ts';
import { collectDemo, type DemoSnapshots } from '../../support/render-demo.ts';

let demo: DemoSnapshots;
before(async () => {
  demo = await collectDemo('worker-a');
});

/**
 * worker-a with one more VPP interface, `host-vfe`, an af_packet interface on the veth `vfe` of VPP's
 * namespace (index 7), whose peer is the frontend's conduit (made index 9 here, peer index 7).
 */
function withAfPacket(hostLinks: PodLink[] | undefined, frontendPeer = 7): DemoSnapshots {
  const s = structuredClone(demo);
  const vpp = s.vpp as NonNullable<DemoSnapshots['vpp']>;
  const template = vpp.interfaces?.find((i) => i.name === 'tap3');
  assert.ok(template);
  vpp.interfaces?.push({ ...structuredClone(template), name: 'host-vfe', swIfIndex: 99 });
  if (hostLinks) vpp.hostLinks = hostLinks;
  const fe = s.pods.find((p) => p.target.pod === FRONTEND_GHI);
  const conduit = fe?.data.links?.find((l) => l.name === 'conduit-a--f75b');
  assert.ok(conduit);
  conduit.ifindex = 9;
  conduit.peerIfindex = frontendPeer;
  return s;
}

function addInterface(s: DemoSnapshots, name: string): void {
  const vpp = s.vpp as NonNullable<DemoSnapshots['vpp']>;
  const template = vpp.interfaces?.find((i) => i.name === 'tap3');
  assert.ok(template);
  vpp.interfaces?.push({ ...structuredClone(template), name, swIfIndex: 100 });
}

function link(s: DemoSnapshots, pod: string, name: string, ifindex: number, peerIfindex: number): void {
  const links = s.pods.find((p) => p.target.pod === pod)?.data.links;
  assert.ok(links, pod);
  let l = links.find((x) => x.name === name);
  if (!l) {
    l = { name, kind: 'veth', operstate: 'UP' };
    links.push(l);
  }
  l.ifindex = ifindex;
  l.peerIfindex = peerIfindex;
}

const veth = (over: Partial<PodLink> = {}): PodLink => ({
  name: 'vfe',
  kind: 'veth',
  ifindex: 7,
  peerIfindex: 9,
  operstate: 'UP',
  ...over,
});

function afLink(g: PathGraph): PathLink | undefined {
  return g.links.find((l) => l.type === 'tap-peer' && l.from === 'vpp:host-vfe');
}

const graph = (s: DemoSnapshots) => correlatePath({ node: 'worker-a', vpp: s.vpp, pods: s.pods, now: 0 });

describe('af_packet host-interfaces on the path', () => {
  it('links host-vfe to the pod interface whose index and peer index mirror the veth’s', () => {
    const g = graph(withAfPacket([veth()]));
    const link = afLink(g);
    assert.equal(link?.to, `pod:red/${FRONTEND_GHI}/conduit-a--f75b`);
    assert.deepEqual(link?.evidence, ['af-packet', 'veth-peer']);
    assert.equal(link?.health.status, 'up');
    assert.deepEqual(link?.details, { hostIfName: 'vfe', hostIfindex: 7, peerIfindex: 9 });
    assert.equal(g.nodes.find((n) => n.id === 'vpp:host-vfe')?.interfaceKind, 'af-packet');
  });

  it('does not link on one matching index alone (indexes repeat across namespaces)', () => {
    const link = afLink(graph(withAfPacket([veth()], 8)));
    assert.equal(link?.health.status, 'unknown');
    assert.match(link?.health.problems.join(' ') ?? '', /index 9\) is in no pod read/);
  });

  it('names every candidate when two pod interfaces mirror the veth', () => {
    const s = withAfPacket([veth()]);
    const proxy = s.pods.find((p) => p.target.pod === PROXY);
    const other = proxy?.data.links?.find((l) => l.name === 'conduit-a--1b2a');
    assert.ok(other);
    other.ifindex = 9;
    other.peerIfindex = 7;
    const link = afLink(graph(s));
    assert.equal(link?.health.status, 'unknown');
    assert.match(link?.health.problems.join(' ') ?? '', /2 pod interfaces could be the peer of vfe/);
  });

  it('settles a tie by the veths whose peers share its namespace (as in a proxy with two conduits)', () => {
    const s = withAfPacket([
      veth({ peerNetnsId: 1 }),
      veth({ name: 'vfe2', ifindex: 8, peerIfindex: 3, peerNetnsId: 1 }),
    ]);
    addInterface(s, 'host-vfe2');
    // The frontend's second conduit fits host-vfe2 alone; the proxy's conduit also fits host-vfe.
    link(s, FRONTEND_GHI, 'nsm-2', 3, 8);
    link(s, PROXY, 'conduit-a--1b2a', 9, 7);
    const g = graph(s);
    const settled = afLink(g);
    assert.equal(settled?.to, `pod:red/${FRONTEND_GHI}/conduit-a--f75b`);
    assert.deepEqual(settled?.evidence, ['af-packet', 'veth-peer', 'peer-namespace']);
  });

  it('trusts no fit when veths whose peers share a namespace fit different pods', () => {
    const s = withAfPacket([
      veth({ peerNetnsId: 1 }),
      veth({ name: 'vfe2', ifindex: 8, peerIfindex: 3, peerNetnsId: 1 }),
    ]);
    addInterface(s, 'host-vfe2');
    link(s, PROXY, 'conduit-a--1b2a', 3, 8);
    const g = graph(s);
    for (const from of ['vpp:host-vfe', 'vpp:host-vfe2']) {
      const l = g.links.find((x) => x.type === 'tap-peer' && x.from === from);
      assert.equal(l?.health.status, 'unknown', from);
      assert.match(l?.health.problems.join(' ') ?? '', /fit 2 different pods; none is trusted/);
    }
  });

  it('is down with a missing end when VPP’s namespace no longer has the veth', () => {
    const link = afLink(graph(withAfPacket([veth({ name: 'other' })])));
    assert.equal(link?.health.status, 'down');
    assert.equal(link?.to, 'missing:af-packet:host-vfe');
    assert.match(link?.health.problems.join(' ') ?? '', /VPP's network namespace has no interface vfe/);
  });

  it('is down when the veth has lost its peer’s carrier', () => {
    const link = afLink(graph(withAfPacket([veth({ operstate: 'LOWERLAYERDOWN' })])));
    assert.equal(link?.health.status, 'down');
    assert.match(link?.health.problems.join(' ') ?? '', /host-vfe has no carrier/);
  });

  it('leaves af_packet interfaces alone when VPP’s namespace was not read, or on a NIC', () => {
    assert.equal(afLink(graph(withAfPacket(undefined))), undefined);
    assert.equal(afLink(graph(withAfPacket([veth({ kind: undefined })]))), undefined);
  });
});
