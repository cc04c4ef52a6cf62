import type { Config } from '../config/config.ts';
import type { SourceDescription } from './collections.ts';
import type { InSlot } from './exposition-slots.ts';

/** What the serving thread gives the collection thread at start. */
export interface CollectorThreadData {
  config: Config;
  discoveryWaitMs?: number;
  /** prom-client's process and event-loop metrics (of the collection thread in this mode). */
  processMetrics: boolean;
  /** The control arrays of the shared slots (exposition-slots.ts) for expositions and for summaries. */
  expositionSlots: SharedArrayBuffer;
  summarySlots: SharedArrayBuffer;
}

/**
 * A cycle's summary as it crosses: UTF-8 JSON in a shared slot (or moved, when no slot is free). A
 * structured clone of the path graph and the commands' reports is rebuilt object by object on the
 * serving thread (270 ms at 10,000 interfaces, and garbage for its collector every cycle); bytes cost
 * nothing until the page, the API or a caller of `runCycle` asks.
 */
export interface WireSummary {
  seq: number;
  inSlot?: InSlot;
  json?: Uint8Array;
}

/** Serving thread → collection thread. */
export type ToCollector =
  | { type: 'run'; id: number }
  | { type: 'start' }
  | { type: 'stop' }
  /** The serving thread (re)read its web configuration: applied or refused. */
  | { type: 'web-config'; ok: boolean };

/** Collection thread → serving thread, in the order they happen. */
export type FromCollector =
  | { type: 'started'; description: SourceDescription; schedule: string; podsKnown: boolean }
  /** The configuration was refused (exit 2 on the serving side) or the start failed otherwise. */
  | { type: 'start-failed'; problems?: string[]; message: string }
  /** One cycle's exposition, complete and compressed, in a shared slot: plain text, then gzip. */
  | { type: 'exposition'; inSlot: InSlot; renderedAt: number }
  /** The same when every slot is in use (slow clients hold them): its memory is moved, not copied. */
  | { type: 'moved-exposition'; seq: number; text: Uint8Array; gzip: Uint8Array; renderedAt: number }
  | { type: 'cycle'; summary?: WireSummary; cycles: number; podsKnown: boolean }
  | { type: 'ran'; id: number; ok: boolean }
  /** Cluster discovery got (or lost) the node's pod list between cycles. */
  | { type: 'pods-known'; podsKnown: boolean }
  | { type: 'stopped' };
