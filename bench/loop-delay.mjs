// Preloaded (`node --import`) into the servers of the live bench's stall rows: the serving thread's
// own event-loop delay, as node's monitorEventLoopDelay measures it, free of the probing client's
// scheduling. The first SIGUSR2 starts a window (the start-up before it is not counted); the second
// writes the window's figures as JSON to $MPE_BENCH_LOOP_DELAY_FILE. Inert without that variable.
// Plain JavaScript: a TypeScript preload would load Node's type stripper into the measured process
// (and again into its worker thread), which adds to the RSS the stall rows report.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

const file = process.env.MPE_BENCH_LOOP_DELAY_FILE;

if (isMainThread && file) {
  // 1 ms: the finest the timer allows; the default 10 ms would hide stalls under 10 ms.
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let signals = 0;
  process.on('SIGUSR2', () => {
    signals += 1;
    if (signals === 1) {
      histogram.reset();
      return;
    }
    const ms = (ns) => ns / 1e6;
    writeFileSync(
      file,
      JSON.stringify({
        samples: histogram.count,
        p50Ms: ms(histogram.percentile(50)),
        p99Ms: ms(histogram.percentile(99)),
        maxMs: ms(histogram.max),
      }),
    );
  });
}
