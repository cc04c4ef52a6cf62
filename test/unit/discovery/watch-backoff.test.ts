import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeConfig, type V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import { WatchedCollection, watchTimeoutSeconds } from '../../../src/discovery/list-watch.ts';

/** A list that fails `failures` times (an API server refusing), recording when each attempt came. */
function failingList(failures: number) {
  const at: number[] = [];
  return {
    at,
    list: async () => {
      at.push(performance.now());
      if (at.length <= failures) throw Object.assign(new Error('Forbidden'), { code: 403 });
      return { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '1' }, items: [] as V1Pod[] };
    },
  };
}

describe('a failing list or watch is retried with a backoff that doubles up to its limit', () => {
  it('waits 40, 80, 160, 320, 320 ms between five failed lists (min 40, max 320), then stops failing', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'http://127.0.0.1:9', skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const { at, list } = failingList(5);
    const c = new WatchedCollection<V1Pod>({
      kc,
      path: '/api/v1/pods',
      list,
      what: 'pods',
      logger: pino({ level: 'silent' }),
      minBackoffMs: 40,
      maxBackoffMs: 320,
    });
    await c.start();
    const deadline = Date.now() + 5_000;
    while (at.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await c.stop();
    assert.equal(at.length, 6, 'five failed lists and the sixth that succeeds');
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    const want = [40, 80, 160, 320, 320];
    gaps.forEach((gap, i) => {
      const w = want[i] as number;
      // Timers fire no earlier than asked, and a loaded machine adds a little.
      assert.ok(
        gap >= w - 2 && gap < w + 150,
        `gap ${i}: ${gap.toFixed(0)} ms, want about ${w} ms (${gaps.map((g) => g.toFixed(0)).join(', ')})`,
      );
    });
    // The watch after the good list has no server to reach here: that failure is counted apart.
    assert.deepEqual(
      c.failureCounts().filter((f) => f.reason === 'forbidden'),
      [{ resource: 'pods', reason: 'forbidden', count: 5 }],
    );
  });
});

describe('watch timeouts', () => {
  it('are spread over 300 to 359 s, so agents rolled out together do not re-watch in step', () => {
    assert.equal(
      watchTimeoutSeconds(() => 0),
      300,
    );
    assert.equal(
      watchTimeoutSeconds(() => 0.999999),
      359,
    );
    const seen = new Set(Array.from({ length: 200 }, () => watchTimeoutSeconds()));
    assert.ok(seen.size > 20, `${seen.size} distinct timeouts in 200 watches`);
    for (const t of seen) assert.ok(t >= 300 && t < 360, String(t));
  });
});
