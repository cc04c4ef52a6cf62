import assert from 'node:assert/strict';
import type { SlowerFault } from './fault-matrix.ts';

/**
 * Waits until each neighbour entry is STALE. A fault that breaks the way to a neighbour fails that
 * entry only if traffic probes it: a STALE entry probes when traffic comes (DELAY, PROBE, then FAILED),
 * a REACHABLE one lets traffic out unprobed, and one still in DELAY or PROBE from an earlier repair
 * fails with the fault although nothing of the fault probed it. Settled first, a fault fails exactly
 * the neighbours it probes. `show(addr)` prints `ip -j neigh show <addr> dev <bridge>` in the pod.
 */
export async function settleNeighbours(
  show: (addr: string) => string,
  addrs: readonly string[],
  timeoutMs = 10_000,
): Promise<void> {
  for (const addr of addrs) {
    const end = Date.now() + timeoutMs;
    let state = '';
    for (;;) {
      const entries = JSON.parse(show(addr) || '[]') as { state?: string[] }[];
      state = entries[0]?.state?.join(',') ?? 'none';
      if (state === 'STALE' || Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(state, 'STALE', `neighbour ${addr} still ${state} after ${timeoutMs / 1000} s`);
  }
}

/**
 * What a probed neighbour needs before it is FAILED, with the suites' short timers on the proxy's
 * bridge: `delay_first_probe_time` (1 s), then 3 unanswered probes 1 s apart.
 */
export const NEIGHBOUR_FAILS: SlowerFault = {
  seconds: 4,
  why: 'the kernel waits 1 s, then marks a neighbour FAILED after 3 unanswered probes 1 s apart',
};
