import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import pino from 'pino';
import { ExpositionCache } from '../../../src/exposition/exposition-cache.ts';
import { correlatePath } from '../../../src/path/correlate.ts';
import type { PathGraph } from '../../../src/path/graph.ts';
import { buildApp } from '../../../src/server/app.ts';
import { renderPathSvg } from '../../../src/server/page/path-svg.ts';
import { PROXY } from '../../support/fixtures.ts';
import { collectDemo, type DemoSnapshots } from '../../support/render-demo.ts';

let demo: DemoSnapshots;
let graph: PathGraph;

before(async () => {
  demo = await collectDemo('worker-a');
  graph = correlatePath({ node: 'worker-a', vpp: demo.vpp, pods: demo.pods });
});

async function app(current: () => PathGraph | undefined) {
  return buildApp({
    cache: new ExpositionCache(),
    telemetryPath: '/metrics',
    logger: pino({ level: 'silent' }),
    ready: () => true,
    graph: current,
    refreshSeconds: 15,
  });
}

const linkIdsIn = (svg: string) => [...svg.matchAll(/data-link-id="([^"]+)"/g)].map((m) => m[1]);

describe('the path diagram', () => {
  it('draws every link of the demo once, and every pod', () => {
    const svg = renderPathSvg(graph);
    assert.deepEqual(linkIdsIn(svg).sort(), graph.links.map((l) => l.id).sort());
    for (const p of graph.pods) assert.ok(svg.includes(`data-pod="${p.namespace}/${p.pod}"`), p.pod);
    assert.ok(svg.includes('data-node-id="node:worker-b"'));
    assert.doesNotMatch(svg, /class="link (down|unknown)/);
  });

  it('draws a broken link red (class down) with its reason, and a missing pod interface as a ghost port', () => {
    const s = structuredClone(demo);
    const proxy = s.pods.find((p) => p.target.pod === PROXY);
    assert.ok(proxy?.data.links);
    proxy.data.links = proxy.data.links.filter((l) => l.name !== 'conduit-a--1b2a');
    const svg = renderPathSvg(correlatePath({ node: 'worker-a', vpp: s.vpp, pods: s.pods }));
    assert.match(
      svg,
      /<g class="link down" data-link-id="tap-peer\|vpp:tap4\|missing:tap-peer:tap4" data-type="tap-peer"><title>[^<]*is missing/,
    );
    assert.match(svg, /class="port missing ghost bad" data-node-id="missing:tap-peer:tap4"/);
  });

  it('escapes names it did not choose', () => {
    const g = structuredClone(graph);
    const n = g.nodes.find((x) => x.kind === 'pod-interface');
    assert.ok(n);
    n.interface = '<script>alert(1)</script>';
    assert.doesNotMatch(renderPathSvg(g), /<script>alert/);
  });
});

describe('path routes', () => {
  it('answers 503 with a reason before the first cycle, on the JSON and the SVG; the page says it is waiting', async () => {
    const a = await app(() => undefined);
    for (const url of ['/api/v1/path', '/path.svg']) {
      const res = await a.inject({ url });
      assert.equal(res.statusCode, 503, url);
      assert.match(res.body, /no collection cycle has completed yet/);
    }
    const page = await a.inject({ url: '/' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /No collection cycle has completed yet/);
    await a.close();
  });

  it('serves the graph as versioned JSON, the SVG, and a self-contained page that refreshes', async () => {
    const a = await app(() => graph);
    const json = await a.inject({ url: '/api/v1/path' });
    assert.equal(json.headers['content-type'], 'application/json; charset=utf-8');
    const body = json.json() as PathGraph;
    assert.equal(body.schemaVersion, 1);
    assert.equal(body.links.length, graph.links.length);
    const svg = await a.inject({ url: '/path.svg' });
    assert.equal(svg.headers['content-type'], 'image/svg+xml; charset=utf-8');
    assert.match(svg.body, /^<svg xmlns/);
    const page = await a.inject({ url: '/?refresh=20' });
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(page.body, /setInterval\(refresh, 20000\)/);
    assert.match(page.body, /href="\/metrics"/);
    // Nothing is loaded from elsewhere: no absolute URLs in src/href, no external stylesheet or script.
    assert.doesNotMatch(page.body, /(src|href)="(https?:)?\/\//);
    assert.doesNotMatch(page.body, /<link |<script src/);
    const every = async (q: string) =>
      /setInterval\(refresh, (\d+)\)/.exec((await a.inject({ url: `/?refresh=${q}` })).body)?.[1];
    assert.equal(await every('0'), '5000', 'clamped to 5 s');
    assert.equal(await every('1e308'), '3600000', 'clamped to an hour');
    assert.equal(await every('0.001'), '5000');
    assert.equal(await every('soon'), '15000', 'not a number: the collection interval');
    await a.close();
  });

  it("draws a new cycle's graph again (the drawing is kept per cycle)", async () => {
    let current = graph;
    const a = await app(() => current);
    const first = (await a.inject({ url: '/path.svg' })).body;
    current = structuredClone(graph);
    current.links = current.links.slice(1);
    const again = (await a.inject({ url: '/path.svg' })).body;
    assert.notEqual(again, first, 'a new cycle is drawn again');
    assert.equal((await a.inject({ url: '/path.svg' })).body, again);
    await a.close();
  });
});
