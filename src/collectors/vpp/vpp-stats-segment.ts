import { defineMetric, type MetricDef } from '../../exposition/metric-def.ts';
import type { VppErrorCounter } from '../../parsers/vpp/show-errors.ts';
import type { VppInterface } from '../../parsers/vpp/show-interface.ts';
import type { VppStatsSummary } from '../../snapshot/vpp-snapshot.ts';
import type { StatsSegmentData } from '../../sources/vpp-stats/segment-reader.ts';
import { STATS_SEGMENT_COMMAND } from '../../sources/vpp-stats/stats-segment-source.ts';
import { type VppFamilies, vppLabels } from './collector.ts';

/**
 * VPP's statistics segment: what only it has (/sys/, /buffer-pools/, /mem/) as families of their own,
 * and the interface and error counters it gives in place of `show interface` and `show errors`, in
 * the same shape those parsers give, so their families, dashboards and alerts do not change.
 */

const SRC = STATS_SEGMENT_COMMAND;
const gauge = (name: string, help: string, ...labels: string[]): MetricDef =>
  defineMetric({ name, type: 'gauge', help, labels: vppLabels(...labels), source: SRC });

const vectorRate = gauge(
  'vpp_vector_rate',
  'Packets per node call averaged over the worker threads (/sys/vector_rate, whole numbers): near 256 VPP is saturated.',
);
const inputRate = gauge(
  'vpp_input_rate_packets_per_second',
  'Packets per second received on all interfaces over the last stats interval (/sys/input_rate).',
);
const workerThreads = gauge(
  'vpp_worker_threads',
  'Worker threads VPP runs besides its main thread (/sys/num_worker_threads).',
);
const bootTime = gauge(
  'vpp_boot_time_seconds',
  'When VPP started its stats collector, in Unix seconds (/sys/boottime): it changes when VPP restarts.',
);
const heartbeat = defineMetric({
  name: 'vpp_heartbeat_total',
  type: 'counter',
  help: "Passes of VPP's stats collector (/sys/heartbeat, one per stats interval, 10 s by default): flat while VPP's main loop is stuck.",
  labels: vppLabels(),
  source: SRC,
});
const poolCached = gauge(
  'vpp_buffer_pool_cached_buffers',
  "Buffers in the pool's per-thread caches (/buffer-pools/<pool>/cached).",
  'pool',
);
const poolUsed = gauge(
  'vpp_buffer_pool_used_buffers',
  'Buffers of the pool in use (/buffer-pools/<pool>/used).',
  'pool',
);
const poolAvailable = gauge(
  'vpp_buffer_pool_available_buffers',
  'Free buffers of the pool (/buffer-pools/<pool>/available): at 0 VPP drops received packets (rx-no-buf).',
  'pool',
);
const heapTotal = gauge(
  'vpp_memory_heap_total_bytes',
  'Size of the VPP memory heap (/mem/<heap>/total).',
  'heap',
);
const heapUsed = gauge(
  'vpp_memory_heap_used_bytes',
  'Bytes of the VPP memory heap in use (/mem/<heap>/used).',
  'heap',
);
const heapFree = gauge(
  'vpp_memory_heap_free_bytes',
  'Free bytes of the VPP memory heap (/mem/<heap>/free).',
  'heap',
);

const SYS_VALUES: readonly [string, MetricDef][] = [
  ['/sys/vector_rate', vectorRate],
  ['/sys/input_rate', inputRate],
  ['/sys/num_worker_threads', workerThreads],
  ['/sys/boottime', bootTime],
  ['/sys/heartbeat', heartbeat],
];
const POOL_VALUES: Record<string, MetricDef> = {
  cached: poolCached,
  used: poolUsed,
  available: poolAvailable,
};
const HEAP_VALUES: Record<string, MetricDef> = { total: heapTotal, used: heapUsed, free: heapFree };
const POOL_PREFIX = '/buffer-pools/';

/** The families only the stats segment gives, rendered from the cycle's summary of it. */
export const vppStatsSegmentFamilies: VppFamilies = {
  renderedFrom: (snapshot) => snapshot.stats,
  metrics: [
    ...SYS_VALUES.map(([, d]) => d),
    poolCached,
    poolUsed,
    poolAvailable,
    heapTotal,
    heapUsed,
    heapFree,
  ],
  render(w, snapshot) {
    const stats = snapshot.stats;
    if (!stats) return;
    const base = [snapshot.node, snapshot.forwarder];
    for (const [name, def] of SYS_VALUES) {
      const v = stats.values.get(name);
      if (v !== undefined) w.sample(def, base, v);
    }
    for (const [name, v] of stats.values) {
      if (!name.startsWith(POOL_PREFIX)) continue;
      const slash = name.lastIndexOf('/');
      const def = POOL_VALUES[name.slice(slash + 1)];
      if (def && slash > POOL_PREFIX.length)
        w.sample(def, [...base, name.slice(POOL_PREFIX.length, slash)], v);
    }
    for (const [heap, fields] of stats.heaps) {
      for (const [field, v] of fields) {
        const def = HEAP_VALUES[field];
        if (def) w.sample(def, [...base, heap], v);
      }
    }
  },
};

/** The part of a segment read the snapshot keeps for the families above. */
export function statsSummary(data: StatsSegmentData): VppStatsSummary {
  return { values: data.values, heaps: data.heaps, threads: data.threads };
}

/**
 * Interfaces with their counters from the segment (by sw_if_index) instead of `show interface`'s,
 * under the names `show interface` prints them (`rx packets`, `drops`, `rx-unicast bytes`, …). Like
 * VPP's CLI, only non-zero counters are listed; the families render the main ones as zero when absent.
 * An interface the segment does not have (created between the two reads) is marked incomplete, so its
 * counters are absent rather than zero.
 */
export function withSegmentCounters(
  interfaces: readonly VppInterface[],
  data: StatsSegmentData,
): VppInterface[] {
  // Built once per read, not per interface: a cycle then allocates no name and no Map entry array
  // per interface and counter (that garbage was most of a cycle's at 200 interfaces).
  const combined: { packetsName: string; bytesName: string; packets: Float64Array; bytes: Float64Array }[] =
    [];
  data.interfaceCombined.forEach((sums, name) => {
    combined.push({
      packetsName: `${name} packets`,
      bytesName: `${name} bytes`,
      packets: sums.packets,
      bytes: sums.bytes,
    });
  });
  const simple: { name: string; sums: Float64Array }[] = [];
  data.interfaceSimple.forEach((sums, name) => {
    simple.push({ name, sums });
  });
  return interfaces.map((iface) => {
    const i = iface.swIfIndex;
    const known = data.interfaceNames[i] === iface.name;
    const counters = new Map<string, number>();
    if (known) {
      for (let c = 0; c < combined.length; c++) {
        const { packetsName, bytesName, packets, bytes } = combined[c] as (typeof combined)[number];
        if (packets[i]) counters.set(packetsName, packets[i] as number);
        if (bytes[i]) counters.set(bytesName, bytes[i] as number);
      }
      for (let c = 0; c < simple.length; c++) {
        const { name, sums } = simple[c] as (typeof simple)[number];
        if (sums[i]) counters.set(name, sums[i] as number);
      }
    }
    return { ...iface, counters, incomplete: !known };
  });
}

/**
 * Error counters from `/err/<node>/<counter>`, non-zero ones as `show errors` lists them. The reason
 * is VPP's counter name as the segment has it (never cut, unlike `show errors`' 35-character column);
 * the segment carries no severity.
 */
export function segmentErrors(data: StatsSegmentData): VppErrorCounter[] {
  // The reader keeps only non-zero counters.
  return data.errors.map((e) => ({ node: e.node, reason: e.counter, count: e.value }));
}
