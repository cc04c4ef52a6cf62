import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import type { RunningExporter } from '../../src/exporter.ts';
import type { PathGraph } from '../../src/path/graph.ts';
import { stripProvenance } from '../../src/sources/replay.ts';
import { runCycle, startTestExporter } from '../support/exporter.ts';
import { DEMO, PROXY } from '../support/fixtures.ts';
import { requireTool } from '../support/tools.ts';

// Evaluated in the browser; the project compiles without the DOM library.
declare const getComputedStyle: (element: unknown) => { stroke: string };

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
const BROKEN_LINK = 'tap-peer|vpp:tap4|missing:tap-peer:tap4';
const RED = 'rgb(211, 47, 47)';
const GREEN = 'rgb(46, 125, 50)';

/** Remove one interface from a pod's JSON recordings, keeping their provenance lines. */
function removeInterface(podDir: string, ifname: string): void {
  for (const file of ['ip-json-stats-details-link-show.txt', 'ip-json-addr-show.txt']) {
    const path = join(podDir, file);
    const text = readFileSync(path, 'utf8');
    const body = stripProvenance(text);
    const head = text.slice(0, text.length - body.length);
    const records = (JSON.parse(body) as { ifname?: string }[]).filter((r) => r.ifname !== ifname);
    writeFileSync(path, `${head}${JSON.stringify(records)}\n`);
  }
}

describe('the path page in a real headless Chromium', () => {
  let dir: string;
  let exporter: RunningExporter;
  let browser: Browser;

  before(async () => {
    const executablePath = requireTool('chromium');
    dir = mkdtempSync(join(tmpdir(), 'mpe-page-'));
    cpSync(`${DEMO}worker-a`, dir, { recursive: true });
    exporter = await startTestExporter(['--replay', dir]);
    browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      timeout: 30_000,
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await exporter?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders every pod and link of the demo, all green, and marks a link red after the data breaks', async () => {
    const context = await browser.newContext({ viewport: { width: 1960, height: 700 } });
    const page = await context.newPage();
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(exporter.url)) external.push(r.url());
    });
    await page.goto(`${exporter.url}/?refresh=1`);
    const graph = (await (await fetch(`${exporter.url}/api/v1/path`)).json()) as PathGraph;

    for (const p of graph.pods) {
      assert.ok(await page.locator(`[data-pod="${p.namespace}/${p.pod}"]`).isVisible(), p.pod);
    }
    const drawn = await page.$$eval('[data-link-id]', (els) =>
      els.map((e) => e.getAttribute('data-link-id')),
    );
    assert.deepEqual(drawn.sort(), graph.links.map((l) => l.id).sort());
    const strokes = await page.$$eval('g.link line, g.link path', (els) =>
      els.map((e) => getComputedStyle(e).stroke),
    );
    assert.ok(strokes.length > 10);
    assert.deepEqual([...new Set(strokes)], [GREEN]);
    await page.screenshot({ path: new URL('path-page-demo.png', ARTIFACTS).pathname, fullPage: true });

    // The proxy loses conduit-a--1b2a: tap4's Linux side is gone. The page refreshes by itself.
    removeInterface(join(dir, 'pods', 'red', PROXY), 'conduit-a--1b2a');
    await runCycle(exporter);
    const broken = page.locator(`g.link.down[data-link-id="${BROKEN_LINK}"]`);
    await broken.waitFor({ state: 'attached', timeout: 10_000 });
    const stroke = await broken.locator('line').evaluate((e) => getComputedStyle(e).stroke);
    assert.equal(stroke, RED);
    assert.match((await broken.locator('title').textContent()) ?? '', /is missing/);
    assert.equal(await page.locator('[data-node-id="missing:tap-peer:tap4"].ghost').count(), 1);
    await page.screenshot({ path: new URL('path-page-broken.png', ARTIFACTS).pathname, fullPage: true });
    assert.deepEqual(external, []);
    await context.close();
  });

  it('fits a 1280 x 800 window: the diagram scales, worker-b and the tunnel to it are in view', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${exporter.url}/`);
    const svg = await page.locator('svg.path-diagram').boundingBox();
    assert.ok(svg && svg.x >= 0 && svg.x + svg.width <= 1280, `diagram box ${JSON.stringify(svg)}`);
    const scrollWidth = (await page.evaluate('document.documentElement.scrollWidth')) as number;
    assert.ok(scrollWidth <= 1280, `no horizontal scrolling (${scrollWidth} px)`);
    for (const sel of ['[data-node-id="node:worker-b"]', 'g.link[data-type="vxlan"]']) {
      const box = await page.locator(sel).first().boundingBox();
      assert.ok(
        box && box.x >= 0 && box.x + box.width <= 1280 && box.y + box.height <= 800,
        `${sel}: ${JSON.stringify(box)}`,
      );
    }
    await page.screenshot({ path: new URL('path-page-1280.png', ARTIFACTS).pathname });
    await context.close();
  });
});
