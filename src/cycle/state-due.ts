import type { CommandStatus } from '../snapshot/vpp-snapshot.ts';

/** Timer drift between cycles must not push a state read one whole cycle late. */
const TOLERANCE_MS = 1000;

/**
 * Whether a state command (one that stops VPP's workers, or is read on the state interval anyway)
 * runs this cycle: never read, last read failed, the interfaces changed, or the interval has passed.
 */
export function stateDue(
  last: Pick<CommandStatus, 'state' | 'readAt'> | undefined,
  interfaceSetChanged: boolean,
  now: number,
  stateIntervalMs: number,
): boolean {
  return last?.state !== 'ok' || interfaceSetChanged || now - last.readAt >= stateIntervalMs - TOLERANCE_MS;
}
