import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { expectedVipsOf, type MeridioObject } from '../../../src/discovery/meridio-vips.ts';
import { correlatePath } from '../../../src/path/correlate.ts';
import type { PathGraph } from '../../../src/path/graph.ts';
import { renderPathSvg } from '../../../src/server/page/path-svg.ts';
import { PROXY } from '../../support/fixtures.ts';
import { collectDemo, type DemoSnapshots } from '../../support/render-demo.ts';

const vip = (ns: string, name: string, address: string): MeridioObject => ({
  apiVersion: 'meridio.nordix.org/v1',
  kind: 'Vip',
  metadata: { namespace: ns, name, labels: { trench: 'trench-a' } },
  spec: { address },
});
const attractor = (
  ns: string,
  name: string,
  trench: string | undefined,
  vips: string[],
  composites = ['conduit-a-1'],
): MeridioObject => ({
  apiVersion: 'meridio.nordix.org/v1',
  kind: 'Attractor',
  metadata: { namespace: ns, name, ...(trench && { labels: { trench } }) },
  spec: { vips, composites },
});

describe('the VIPs Meridio’s resources give each conduit', () => {
  it('are the addresses of the Vips its Attractors announce, as a proxy rule shows them', () => {
    const expected = expectedVipsOf(
      [
        attractor('red', 'attractor-a-1', 'trench-a', ['vip-v4', 'vip-v6', 'vip-gone']),
        attractor('red', 'attractor-a-1b', 'trench-a', ['vip-v4', 'vip-range']),
        // A second conduit of the trench: its proxies route its attractor's VIPs, not conduit-a-1's.
        attractor('red', 'attractor-a-2', 'trench-a', ['vip-a-2'], ['conduit-a-2']),
        attractor('red', 'no-trench', undefined, ['vip-v4']),
        attractor('red', 'no-conduit', 'trench-a', ['vip-v4'], []),
        attractor('blue', 'attractor-b', 'trench-b', ['vip-v4'], ['conduit-b-1']),
      ],
      [
        vip('red', 'vip-v4', '20.0.0.1/32'),
        vip('red', 'vip-v6', '2000::1/128'),
        vip('red', 'vip-range', '40.0.0.0/24'),
        vip('red', 'vip-unannounced', '30.0.0.1/32'),
        vip('red', 'vip-a-2', '20.0.0.2/32'),
        vip('blue', 'other', '50.0.0.1/32'),
      ],
    );
    assert.deepEqual(Object.fromEntries(expected), {
      'red/trench-a/conduit-a-1': ['20.0.0.1', '2000::1', '40.0.0.0/24'],
      'red/trench-a/conduit-a-2': ['20.0.0.2'],
      // blue's attractor names a Vip of red: Vips are looked up in the Attractor's own namespace.
      'blue/trench-b/conduit-b-1': [],
    });
  });
});

describe('expected VIPs on the path', () => {
  let demo: DemoSnapshots;
  before(async () => {
    demo = await collectDemo('worker-a');
  });

  function graph(
    expected: ReadonlyMap<string, readonly string[]> | undefined,
    trench = 'trench-a',
    conduit: string | null = 'conduit-a-1',
  ): PathGraph {
    const s = structuredClone(demo);
    const proxy = s.pods.find((p) => p.target.pod === PROXY);
    assert.ok(proxy);
    proxy.target.trench = trench;
    if (conduit) proxy.target.conduit = conduit;
    else delete proxy.target.conduit;
    return correlatePath({
      node: 'worker-a',
      vpp: s.vpp,
      pods: s.pods,
      now: 0,
      ...(expected && { expectedVips: expected }),
    });
  }
  const fromVip = (g: PathGraph, address: string) =>
    g.links.filter((l) => l.type === 'vip' && l.from === `vip:red/trench-a/${address}`);

  it('links each VIP the trench declares to the proxy table that routes it', () => {
    const g = graph(new Map([['red/trench-a/conduit-a-1', ['20.0.0.1', '2000::1']]]));
    for (const address of ['20.0.0.1', '2000::1']) {
      const [link] = fromVip(g, address);
      assert.equal(link?.health.status, 'up', address);
      assert.deepEqual(link?.evidence, ['meridio-vip']);
      assert.match(link?.to ?? '', /^route:red\/proxy-conduit-a-1-abc\/ipv[46]\/[12]$/);
    }
  });

  it('shows a declared VIP without a proxy rule as a red link to a missing rule', () => {
    const [link] = fromVip(
      graph(new Map([['red/trench-a/conduit-a-1', ['20.0.0.1', '20.0.0.9']]])),
      '20.0.0.9',
    );
    assert.equal(link?.health.status, 'down');
    assert.equal(link?.to, 'missing:vip-rule:red/proxy-conduit-a-1-abc/20.0.0.9');
    assert.match(link?.health.problems.join(' ') ?? '', /trench trench-a announces 20\.0\.0\.9/);
    // On the page, in the proxy's box.
    const svg = renderPathSvg(graph(new Map([['red/trench-a/conduit-a-1', ['20.0.0.1', '20.0.0.9']]])));
    assert.match(
      svg,
      /<g class="link down" data-link-id="vip\|vip:red\/trench-a\/20\.0\.0\.9\|[^"]*" data-type="vip">/,
    );
  });

  it('holds a proxy whose spec names no conduit to every VIP of its trench', () => {
    const expected = new Map([
      ['red/trench-a/conduit-a-1', ['20.0.0.1']],
      ['red/trench-a/conduit-a-2', ['20.0.0.9']],
    ]);
    const [link] = fromVip(graph(expected, 'trench-a', null), '20.0.0.9');
    assert.equal(link?.health.status, 'down');
    assert.equal(fromVip(graph(expected, 'trench-a', null), '20.0.0.1')[0]?.health.status, 'up');
  });

  it('says nothing without Meridio’s resources, or for another trench or conduit', () => {
    assert.deepEqual(fromVip(graph(undefined), '20.0.0.9'), []);
    const expected = new Map([['red/trench-a/conduit-a-1', ['20.0.0.9']]]);
    assert.deepEqual(fromVip(graph(expected, 'trench-b'), '20.0.0.9'), []);
    assert.deepEqual(fromVip(graph(new Map([['red/trench-a/conduit-a-2', ['20.0.0.9']]])), '20.0.0.9'), []);
  });
});
