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

/** The fault suites' `delay_first_probe_time` on a proxy's bridge (the kernel's default is 5 s). */
const DELAY_FIRST_PROBE_S = 1;
/** Unanswered probes, 1 s apart, before the kernel marks an entry FAILED (its defaults). */
const PROBES = 3;

/**
 * The `sysctl` commands that give a bridge the fault suites' short neighbour timers: a neighbour probed
 * while its way is broken fails within seconds, and a REACHABLE entry turns STALE within 3 s.
 */
export function shortNeighbourTimers(bridge: string, family: 'ipv4' | 'ipv6'): string[][] {
  return [
    ['sysctl', '-qw', `net.${family}.neigh.${bridge}.base_reachable_time_ms=2000`],
    ['sysctl', '-qw', `net.${family}.neigh.${bridge}.delay_first_probe_time=${DELAY_FIRST_PROBE_S}`],
  ];
}

/** What a probed neighbour needs before it is FAILED, with `shortNeighbourTimers`. */
export const NEIGHBOUR_FAILS: SlowerFault = {
  seconds: DELAY_FIRST_PROBE_S + PROBES,
  why: `the kernel waits ${DELAY_FIRST_PROBE_S} s, then marks a neighbour FAILED after ${PROBES} unanswered probes 1 s apart`,
};
