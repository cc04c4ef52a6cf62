import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forEachInSlices, rangesInSlices, runNow, runSliced, type Sliced } from '../../../src/util/slices.ts';

/** Busy work of about `ms` milliseconds per step, `steps` times. */
function* busy(steps: number, ms: number): Sliced<number> {
  for (let i = 0; i < steps; i++) {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      // spin: synchronous work like the path correlation's
    }
    yield;
  }
  return steps;
}

describe('sliced computations', () => {
  it('runNow runs to the end at once', () => {
    assert.equal(runNow(busy(3, 0)), 3);
  });

  it('runSliced lets queued I/O run between slices', async () => {
    const gaps: number[] = [];
    let last = performance.now();
    let done = false;
    const tick = () => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    const result = await runSliced(busy(40, 1), 5);
    done = true;
    assert.equal(result, 40);
    // 40 ms of work in 5 ms slices: the loop turns between them (how often depends on the machine's load).
    assert.ok(gaps.length >= 3, `the event loop turned ${gaps.length} times during 40 ms of work`);
  });

  it('runNow on the same work does not let the loop turn', async () => {
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    runNow(busy(10, 1));
    assert.equal(turned, false);
  });

  it('rangesInSlices covers [0, count) in ranges and pauses only between them; forEachInSlices visits each item once', () => {
    const ranges: [number, number][] = [];
    const work = rangesInSlices(10, (from, to) => ranges.push([from, to]), 4);
    let pauses = 0;
    while (!work.next().done) pauses++;
    assert.deepEqual(ranges, [
      [0, 4],
      [4, 8],
      [8, 10],
    ]);
    assert.equal(pauses, 2);
    const seen: number[] = [];
    runNow(forEachInSlices([...Array(130).keys()], (i) => seen.push(i)));
    assert.deepEqual(seen, [...Array(130).keys()]);
    assert.equal(runNow(rangesInSlices(0, () => assert.fail('no range of nothing'))), undefined);
  });
});
