import { yieldToEventLoop } from './yield.ts';

/**
 * A computation cut into slices: a generator that yields (nothing) at points where it may pause. The
 * path correlation at 10,000 interfaces takes a few hundred milliseconds; run in one piece it would
 * hold every scrape that arrives meanwhile.
 */
export type Sliced<T> = Generator<void, T, void>;

/** Items a loop handles between two pause points: small enough for a slice, large enough to be free. */
export const ITEMS_PER_PAUSE = 64;
/** Output lines a parser reads between two pause points. */
export const LINES_PER_PAUSE = 512;

/** Runs a sliced computation to the end at once (tests, the `path` command, one-off uses). */
export function runNow<T>(work: Sliced<T>): T {
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
  }
}

/**
 * Runs a sliced computation on the event loop, giving queued I/O (scrapes) a turn whenever a slice has
 * run for `budgetMs`.
 */
export async function runSliced<T>(work: Sliced<T>, budgetMs = 5): Promise<T> {
  let deadline = performance.now() + budgetMs;
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
    if (performance.now() >= deadline) {
      await yieldToEventLoop();
      deadline = performance.now() + budgetMs;
    }
  }
}

/**
 * Calls `each(from, to)` over `[0, count)` in ranges of `per`, pausing between them. `each` is an
 * ordinary function: a loop body inside a generator keeps its locals in the generator object, which
 * is slower.
 */
export function* rangesInSlices(
  count: number,
  each: (from: number, to: number) => void,
  per: number = ITEMS_PER_PAUSE,
): Sliced<void> {
  for (let from = 0; from < count; from += per) {
    each(from, Math.min(count, from + per));
    if (from + per < count) yield;
  }
}

/** Calls `each` for every item, pausing after every ITEMS_PER_PAUSE items. */
export function forEachInSlices<T>(items: readonly T[], each: (item: T) => void): Sliced<void> {
  return rangesInSlices(items.length, (from, to) => {
    for (let i = from; i < to; i++) each(items[i] as T);
  });
}
