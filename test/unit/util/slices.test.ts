import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runNow, runSliced, type Sliced } from '../../../src/util/slices.ts';

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
});
