import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { correlatePath } from '../../../src/path/correlate.ts';
import type { PathGraph, PathLink } from '../../../src/path/graph.ts';
import { MissingFdb } from '../../../src/path/missing-fdb.ts';
import { PROXY, TARGET } from '../../support/fixtures.ts';
import { collectDemo, type DemoSnapshots } from '../../support/render-demo.ts';

const MAC = '02:fe:c2:14:ec:dd';
const PORT = `pod:red/${PROXY}/proxy.cond-97e3`;
const TARGET_IF = `pod:red/${TARGET}/nsm-0`;
const WINDOW = 15 * 60_000;

let demo: DemoSnapshots;
before(async () => {
  demo = await collectDemo('worker-a');
});

/** worker-a with the target's MAC dropped from the proxy's FDB (or the FDB not read at all). */
function withoutTargetMac(unread = false): DemoSnapshots {
  const s = structuredClone(demo);
  const proxy = s.pods.find((p) => p.target.pod === PROXY);
  assert.ok(proxy?.data.fdb?.some((e) => e.mac === MAC));
  if (!proxy) return s;
  if (unread) delete proxy.data.fdb;
  else proxy.data.fdb = proxy.data.fdb?.filter((e) => e.mac !== MAC);
  return s;
}

const fdbLink = (g: PathGraph): PathLink | undefined =>
  g.links.find((l) => l.type === 'fdb' && l.from === PORT && l.to === TARGET_IF);

function graph(s: DemoSnapshots, missing: MissingFdb, now: number): PathGraph {
  return correlatePath({ node: 'worker-a', vpp: s.vpp, pods: s.pods, missingFdb: missing, now });
}

describe("a target's MAC missing from its proxy's FDB", () => {
  it('is the learned link while the entry is there', () => {
    const link = fdbLink(graph(demo, new MissingFdb(WINDOW), 0));
    assert.equal(link?.health.status, 'up');
    assert.deepEqual(link?.evidence, ['fdb']);
  });

  it('is no link while an idle target may just have aged out, then a red one to the port its veth is on', () => {
    const missing = new MissingFdb(WINDOW);
    const s = withoutTargetMac();
    assert.equal(fdbLink(graph(s, missing, 0)), undefined);
    assert.equal(fdbLink(graph(s, missing, WINDOW - 1)), undefined);
    const link = fdbLink(graph(s, missing, WINDOW + 60_000));
    assert.equal(link?.health.status, 'down');
    assert.deepEqual(link?.details, { mac: MAC, bridge: 'bridge0' });
    assert.match(
      link?.health.problems.join(' ') ?? '',
      /bridge0 has not had .*02:fe:c2:14:ec:dd in its FDB for 16 min/,
    );
  });

  it('starts counting again once the entry came back', () => {
    const missing = new MissingFdb(WINDOW);
    graph(withoutTargetMac(), missing, 0);
    graph(demo, missing, WINDOW - 60_000);
    assert.equal(fdbLink(graph(withoutTargetMac(), missing, WINDOW + 60_000)), undefined);
  });

  it('neither shows nor forgets anything while the proxy’s FDB could not be read', () => {
    const missing = new MissingFdb(WINDOW);
    graph(withoutTargetMac(), missing, 0);
    assert.equal(fdbLink(graph(withoutTargetMac(true), missing, WINDOW / 2)), undefined);
    assert.equal(fdbLink(graph(withoutTargetMac(), missing, WINDOW + 1))?.health.status, 'down');
  });

  it('is off with a window of 0', () => {
    const missing = new MissingFdb(0);
    graph(withoutTargetMac(), missing, 0);
    assert.equal(fdbLink(graph(withoutTargetMac(), missing, 10 * WINDOW)), undefined);
  });
});
