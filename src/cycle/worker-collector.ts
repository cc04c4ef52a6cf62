import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { type Config, ConfigError } from '../config/config.ts';
import type { ExpositionCache } from '../exposition/exposition-cache.ts';
import type { SourceDescription } from './collections.ts';
import type { Collector, CollectorOptions, CycleSummary } from './collector.ts';
import { createSlotControl, SlotReader } from './exposition-slots.ts';
import type { CollectorThreadData, FromCollector, ToCollector, WireSummary } from './worker-protocol.ts';

/** How long a stopping collection thread may take before it is terminated (inside the 2-s shutdown). */
const STOP_GRACE_MS = 1200;

const decoder = new TextDecoder();
const asBuffer = (a: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The worker's entry next to this file: `.ts` when run from source, `.js` when compiled. */
function threadEntry(): URL {
  const ext = extname(fileURLToPath(import.meta.url));
  return new URL(`./collector-thread${ext}`, import.meta.url);
}

/** A collector in a worker thread, which also renders the serving side's metrics. */
export interface WorkerCollector extends Collector {
  observeWebConfigReload(ok: boolean): void;
}

/**
 * Collection in a worker thread at a lower priority: it renders and compresses the whole exposition
 * and the serving thread only swaps buffers, so no cycle, parse, compression or garbage collection of
 * the cycle's data holds a scrape.
 */
export async function startWorkerCollector(
  config: Config,
  logger: Logger,
  cache: ExpositionCache,
  options: CollectorOptions & {
    processMetrics?: boolean;
    /** The thread ended without being asked to (a bug): the exporter cannot collect any more. */
    onDeath?: (err: Error) => void;
    /** The worker's script; tests give one that misbehaves. */
    entry?: URL;
  } = {},
): Promise<WorkerCollector> {
  const expositionSlots = createSlotControl();
  const summarySlots = createSlotControl();
  const expositionReader = new SlotReader(expositionSlots);
  const summaryReader = new SlotReader(summarySlots);
  const data: CollectorThreadData = {
    // A worker's stdout is never a terminal: `auto` is decided here, so both threads log alike.
    config: {
      ...config,
      logFormat: config.logFormat === 'auto' ? (process.stdout.isTTY ? 'pretty' : 'json') : config.logFormat,
    },
    processMetrics: options.processMetrics ?? true,
    expositionSlots,
    summarySlots,
    ...(options.discoveryWaitMs !== undefined && { discoveryWaitMs: options.discoveryWaitMs }),
  };
  const worker = new Worker(options.entry ?? threadEntry(), { workerData: data, name: 'collection' });
  const send = (message: ToCollector) => worker.postMessage(message);
  let stopping = false;
  let cycles = 0;
  let podsKnown = true;
  let lastWire: WireSummary | undefined;
  // A failed cycle keeps the last path on the page, as the serving thread's own collector does.
  let lastGraphWire: WireSummary | undefined;
  let decoded: { wire: WireSummary; summary: CycleSummary } | undefined;
  const jsonOf = (wire: WireSummary): string => {
    if (wire.inSlot) return (summaryReader.read(wire.inSlot).parts[0] as Buffer).toString('utf8');
    return decoder.decode(wire.json);
  };
  // Decoded once per cycle, and only when the page, the API or a caller of runCycle asks.
  const decode = (wire: WireSummary): CycleSummary => {
    if (decoded?.wire !== wire) {
      decoded = { wire, summary: JSON.parse(jsonOf(wire)) as CycleSummary };
    }
    return decoded.summary;
  };
  const lastSummary = () => (lastWire ? decode(lastWire) : undefined);
  const graph = () => (lastGraphWire ? decode(lastGraphWire).graph : undefined);
  /** 'started' arrived: an exit after it is a death, one before it a failed start. */
  let startedOk = false;
  let nextId = 1;
  const waiting = new Map<number, (summary: CycleSummary | undefined) => void>();
  let stopped: (() => void) | undefined;

  const started = new Promise<{ description: SourceDescription; schedule: string }>((resolve, reject) => {
    // Messages arrive in the order they were posted: an exposition before the cycle that rendered it.
    const handle = (message: FromCollector): void => {
      switch (message.type) {
        case 'started':
          startedOk = true;
          podsKnown = message.podsKnown;
          resolve(message);
          return;
        case 'start-failed':
          reject(message.problems ? new ConfigError(message.problems) : new Error(message.message));
          return;
        case 'pods-known':
          podsKnown = message.podsKnown;
          return;
        case 'exposition': {
          let read: ReturnType<SlotReader['read']>;
          try {
            read = expositionReader.read(message.inSlot);
          } catch (err) {
            // A bug, never input: the last exposition stays served rather than bytes of unknown state.
            logger.error(
              { err },
              'an exposition from the collection thread could not be read; keeping the last one',
            );
            return;
          }
          const { parts, hold } = read;
          cache.put({
            text: parts[0] as Buffer,
            gzip: parts[1] as Buffer,
            hold,
            renderedAt: message.renderedAt,
          });
          // Only now do new responses get this one: the older slots may be written again.
          expositionReader.acknowledge(message.inSlot.seq);
          return;
        }
        case 'moved-exposition':
          cache.put({
            text: asBuffer(message.text),
            gzip: asBuffer(message.gzip),
            renderedAt: message.renderedAt,
          });
          expositionReader.acknowledge(message.seq);
          return;
        case 'cycle':
          cycles = message.cycles;
          podsKnown = message.podsKnown;
          lastWire = message.summary;
          if (message.summary) {
            lastGraphWire = message.summary;
            if (message.summary.inSlot) summaryReader.accept(message.summary.inSlot);
            // The slot of the last summary stays unwritten until a newer one is acknowledged.
            summaryReader.acknowledge(message.summary.seq);
          }
          if (options.onCycle) options.onCycle(lastSummary());
          return;
        case 'ran':
          waiting.get(message.id)?.(message.ok ? lastSummary() : undefined);
          waiting.delete(message.id);
          return;
        case 'stopped':
          stopped?.();
          return;
      }
    };
    worker.on('message', handle);
    worker.on('error', (err) => {
      logger.error({ err }, 'the collection thread failed');
      reject(err);
    });
    worker.on('exit', (code) => {
      for (const done of waiting.values()) done(undefined);
      waiting.clear();
      stopped?.();
      if (stopping) return;
      stopping = true;
      const err = new Error(`the collection thread exited (code ${code}) without being asked to`);
      reject(err);
      // Before 'started', the start fails with its own error (a ConfigError exits 2, not 1).
      if (!startedOk) return;
      logger.error({ code }, 'the collection thread ended; nothing is collected any more');
      options.onDeath?.(err);
    });
  });

  let info: { description: SourceDescription; schedule: string };
  try {
    info = await started;
  } catch (err) {
    stopping = true;
    await worker.terminate();
    throw err;
  }

  return {
    description: info.description,
    schedule: info.schedule,
    get cycles() {
      return cycles;
    },
    get graph() {
      return graph();
    },
    get last() {
      return lastSummary();
    },
    get podsKnown() {
      return podsKnown;
    },
    runCycle() {
      // A stopped thread answers nothing: no cycle runs any more.
      if (stopping) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        send({ type: 'run', id });
      });
    },
    async start() {
      send({ type: 'start' });
    },
    observeWebConfigReload(ok) {
      send({ type: 'web-config', ok });
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      const done = new Promise<void>((resolve) => {
        stopped = resolve;
      });
      send({ type: 'stop' });
      const grace = new Promise<'late'>((resolve) => setTimeout(resolve, STOP_GRACE_MS, 'late').unref());
      if ((await Promise.race([done, grace])) === 'late') {
        logger.warn('the collection thread did not stop in time; terminating it');
      }
      await worker.terminate();
    },
  };
}
