import type { MetricDef } from '../../exposition/metric-def.ts';
import type { ExpositionWriter } from '../../exposition/writer.ts';
import type { Parsed } from '../../parsers/parse-report.ts';
import type { VppSnapshot } from '../../snapshot/vpp-snapshot.ts';
import type { VppCommand } from '../../sources/vpp-commands.ts';

/** Metric families rendered from a VPP snapshot, and what in the snapshot they are rendered from. */
export interface VppFamilies {
  /**
   * The snapshot data `render` reads. State data is carried between its runs as the same object, so
   * while it is unchanged its rendered bytes are reused instead of rendered again.
   */
  renderedFrom(snapshot: VppSnapshot): unknown;
  metrics: readonly MetricDef[];
  render(w: ExpositionWriter, snapshot: VppSnapshot): void;
}

/**
 * One VPP command, end to end: how often it runs, its pure parser, where its records go in the
 * snapshot, the metric families it owns and how they are rendered.
 */
export interface VppCollector<T = unknown> extends VppFamilies {
  command: VppCommand;
  /**
   * `counters` commands are mp-safe in VPP and run every cycle; `state` commands make VPP stop its
   * worker threads at a barrier, so they run on the slower state interval.
   */
  cadence: 'counters' | 'state';
  parse(text: string): Parsed<T>;
  /** True when a parse result holds nothing usable although the output was not empty. */
  isEmpty(value: T): boolean;
  assign(snapshot: VppSnapshot, value: T): void;
}

export function defineVppCollector<T>(collector: VppCollector<T>): VppCollector<unknown> {
  return collector as unknown as VppCollector<unknown>;
}

/** Labels every VPP series carries. */
export const VPP_BASE_LABELS = ['node', 'forwarder'] as const;

export function vppLabels(...extra: string[]): readonly string[] {
  return [...VPP_BASE_LABELS, ...extra];
}

/**
 * The items whose key was not seen before, in order. Two samples with one label set would make a whole
 * family invalid for Prometheus, so each collector keeps the first of any repeated interface, tap or tunnel.
 */
export function firstByKey<T>(items: readonly T[] | undefined, key: (item: T) => string): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  if (!items) return out;
  // Indexed: called once a cycle per family, too rarely to be optimized (an unoptimized for-of
  // allocates per element).
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as T;
    const k = key(item);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(item);
  }
  return out;
}
