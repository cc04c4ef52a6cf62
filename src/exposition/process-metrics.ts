import { readdirSync, readFileSync } from 'node:fs';
import { type ELDHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { defineMetric, type MetricDef } from './metric-def.ts';
import { ExpositionWriter } from './writer.ts';

/**
 * How often the event loop's delay is sampled. Each sample wakes the process: every 10 ms (Node's and
 * prom-client's default) was about 6.5 millicores on an idle agent, most of what an agent with VPP
 * alone cost a node (`npm run bench -- cost`).
 */
const EVENT_LOOP_SAMPLE_MS = 1000;
/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ; 100 on every Linux Node runs on). */
const USER_HZ = 100;

const LABELS = ['node'] as const;
const metric = (name: string, type: 'counter' | 'gauge', help: string): MetricDef =>
  defineMetric({ name, type, help, labels: LABELS, source: 'process' });

const CPU = metric(
  'process_cpu_seconds_total',
  'counter',
  'User and system CPU time of the process, its threads included, in seconds.',
);
const START = metric('process_start_time_seconds', 'gauge', 'When the process started (Unix time).');
const RSS = metric('process_resident_memory_bytes', 'gauge', 'Resident memory of the process.');
const VSIZE = metric('process_virtual_memory_bytes', 'gauge', 'Virtual memory of the process.');
const OPEN_FDS = metric('process_open_fds', 'gauge', 'Open file descriptors.');
const MAX_FDS = metric('process_max_fds', 'gauge', 'The limit on open file descriptors (RLIMIT_NOFILE).');
const HEAP_TOTAL = metric('nodejs_heap_size_total_bytes', 'gauge', "V8's heap, allocated.");
const HEAP_USED = metric('nodejs_heap_size_used_bytes', 'gauge', "V8's heap, in use.");
const EXTERNAL = metric(
  'nodejs_external_memory_bytes',
  'gauge',
  'Memory of objects outside the V8 heap bound to JavaScript ones (buffers).',
);
const LAG_P99 = metric(
  'nodejs_eventloop_lag_p99_seconds',
  'gauge',
  'The 99th percentile of how late the event loop ran a timer since the previous exposition (sampled once a second).',
);
const LAG_MAX = metric(
  'nodejs_eventloop_lag_max_seconds',
  'gauge',
  'The longest the event loop ran a timer late since the previous exposition (sampled once a second).',
);

/** The process's own families, in the Prometheus client libraries' names. */
export const PROCESS_METRICS: readonly MetricDef[] = [
  CPU,
  START,
  RSS,
  VSIZE,
  OPEN_FDS,
  MAX_FDS,
  HEAP_TOTAL,
  HEAP_USED,
  EXTERNAL,
  LAG_P99,
  LAG_MAX,
];

/** What /proc/self/stat says of the process (its fields after the command name). */
interface ProcStat {
  cpuSeconds: number;
  startTicks: number;
  vsizeBytes: number;
}

/** Parses /proc/<pid>/stat; undefined when it is not in the kernel's shape. */
export function parseProcStat(text: string): ProcStat | undefined {
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const n = (i: number) => Number(fields[i]);
  const stat = {
    cpuSeconds: (n(11) + n(12)) / USER_HZ,
    startTicks: n(19),
    vsizeBytes: n(20),
  };
  return Object.values(stat).every((v) => Number.isFinite(v) && v >= 0) ? stat : undefined;
}

/** `Max open files  <soft>  <hard>  files` of /proc/<pid>/limits; undefined when unlimited or absent. */
export function parseMaxFds(limits: string): number | undefined {
  const m = /^Max open files\s+(\d+)\s/m.exec(limits);
  return m ? Number(m[1]) : undefined;
}

function readOr<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/**
 * CPU, memory, file descriptors and event-loop delay of this process: per exposition one read each of
 * /proc/self/stat and /proc/self/limits, one listing of /proc/self/fd and one `process.memoryUsage()`.
 * A value that cannot be read is left out.
 */
export class ProcessMetrics {
  private readonly delay: ELDHistogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_SAMPLE_MS });
  private readonly bootSeconds = readOr(() => bootTime(readFileSync('/proc/stat', 'utf8')));
  private readonly labels: Buffer;

  constructor(node: string) {
    this.labels = new ExpositionWriter().labels(CPU, [node]);
    this.delay.enable();
  }

  render(): Buffer[] {
    const w = new ExpositionWriter();
    const put = (def: MetricDef, value: number | undefined) => {
      if (value !== undefined) w.sampleWithLabels(def, this.labels, value);
    };
    const stat = readOr(() => parseProcStat(readFileSync('/proc/self/stat', 'utf8')));
    put(CPU, stat?.cpuSeconds);
    put(
      START,
      stat && this.bootSeconds !== undefined ? this.bootSeconds + stat.startTicks / USER_HZ : undefined,
    );
    put(VSIZE, stat?.vsizeBytes);
    put(
      OPEN_FDS,
      // The listing holds the descriptor it is read through.
      readOr(() => readdirSync('/proc/self/fd').length - 1),
    );
    put(
      MAX_FDS,
      readOr(() => parseMaxFds(readFileSync('/proc/self/limits', 'utf8'))),
    );
    // Node throws when it cannot read /proc (out of descriptors): these are then left out too. Its
    // rss is in bytes; the stat line counts pages, whose size differs between kernels.
    const memory = readOr(() => process.memoryUsage());
    put(RSS, memory?.rss);
    put(HEAP_TOTAL, memory?.heapTotal);
    put(HEAP_USED, memory?.heapUsed);
    put(EXTERNAL, memory?.external);
    // No sample yet (the first second): nothing is known, so nothing is said.
    if (this.delay.count > 0) {
      put(LAG_P99, lateSeconds(this.delay.percentile(99)));
      put(LAG_MAX, lateSeconds(this.delay.max));
      this.delay.reset();
    }
    return w.renderParts();
  }

  stop(): void {
    this.delay.disable();
  }
}

/**
 * Node's histogram records the time between two runs of its sampling timer, the interval included:
 * how late the timer ran is what is left of it.
 */
function lateSeconds(betweenRunsNs: number): number {
  return Math.max(0, betweenRunsNs / 1e6 - EVENT_LOOP_SAMPLE_MS) / 1000;
}

/** `btime` of /proc/stat: when the machine booted (Unix time), which start ticks count from. */
export function bootTime(procStat: string): number | undefined {
  const m = /^btime (\d+)$/m.exec(procStat);
  return m ? Number(m[1]) : undefined;
}
