import { setImmediate } from 'node:timers/promises';

/** Give queued I/O (scrapes) a turn before the next slice of synchronous work. */
export function yieldToEventLoop(): Promise<void> {
  return setImmediate();
}
