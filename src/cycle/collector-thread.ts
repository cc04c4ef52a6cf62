// Entry of the collection worker thread (`--collect.thread=worker`): the collector of the main-thread
// mode, whose complete, compressed exposition and cycle summaries are posted to the serving thread.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, type TransferListItem, workerData } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { ConfigError } from '../config/config.ts';
import { GZIP_LEVEL } from '../exposition/exposition-cache.ts';
import { ServingMetrics } from '../exposition/serving-metrics.ts';
import { createLogger } from '../util/logger.ts';
import { type Collector, type CycleSummary, startInProcessCollector } from './collector.ts';
import { SlotWriter } from './exposition-slots.ts';
import type { CollectorThreadData, FromCollector, ToCollector, WireSummary } from './worker-protocol.ts';

/**
 * Nice value of this thread. Collection may take its time within the interval; the serving thread
 * (nice 0) must get a core as soon as a scrape arrives, also on a node whose cores are all busy.
 */
const COLLECTION_NICE = 10;

const port = parentPort;
if (!port) throw new Error('collector-thread.ts runs only as a worker thread');
const post = (message: FromCollector, transfer: TransferListItem[] = []) =>
  port.postMessage(message, transfer);

/** The bytes as an array whose memory can be moved: Node's small buffers share one pooled block. */
function movable(bytes: Buffer): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length) return bytes;
  return new Uint8Array(bytes);
}

function toWire(summary: CycleSummary): WireSummary {
  const json = Buffer.from(JSON.stringify(summary), 'utf8');
  const { seq, inSlot } = summaryWriter.write([json]);
  return inSlot ? { seq, inSlot } : { seq, json: movable(json) };
}

/** Thread ids of V8's platform workers in this process (named so by Node 20 and later). */
function v8HelperThreads(): number[] {
  const ids: number[] = [];
  for (const task of readdirSync('/proc/self/task')) {
    const name = readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim();
    if (name === 'V8Worker' || name === 'DelayedTaskSche') ids.push(Number(task));
  }
  return ids;
}

/** How often readiness (the node's pod list known) is looked at between cycles. */
const PODS_KNOWN_CHECK_MS = 1000;

const { config, discoveryWaitMs, processMetrics, expositionSlots, summarySlots } =
  workerData as CollectorThreadData;
// Reused shared memory instead of fresh buffers moved every cycle: see exposition-slots.ts.
const expositionWriter = new SlotWriter(expositionSlots);
const summaryWriter = new SlotWriter(summarySlots);
const logger = createLogger(config.logLevel, config.logFormat);

// Linux nice values are per thread; /proc/thread-self names this thread's id. Raising a nice value
// needs no privilege. V8's helper threads (garbage collection, compilation) are shared by both
// isolates but mostly work for this one, whose heap turns over the cycle's data; at nice 0 they took
// a core from the serving thread while it marked. At nice 10 the serving thread's /healthz p99 at
// 10,000 interfaces went from 8.3-9.6 to 7.0-7.5 ms (docs/performance.md).
try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  setPriority(tid, COLLECTION_NICE);
  for (const helper of v8HelperThreads()) setPriority(helper, COLLECTION_NICE);
} catch (err) {
  logger.debug({ err }, 'could not lower the collection thread priority; it competes with serving');
}

const serving = new ServingMetrics(config.node, { processMetrics });
let collector: Collector | undefined;

try {
  collector = await startInProcessCollector(
    config,
    logger,
    async (collected) => {
      const text = await serving.appendTo(collected);
      // Compressed here, at this thread's low priority, so the serving thread only swaps buffers.
      const compressed = gzipSync(text, { level: GZIP_LEVEL });
      const renderedAt = Date.now();
      const { seq, inSlot } = expositionWriter.write([text, compressed]);
      if (inSlot) {
        post({ type: 'exposition', inSlot, renderedAt });
        return;
      }
      const gzip = movable(compressed);
      const plain = movable(text);
      post({ type: 'moved-exposition', seq, text: plain, gzip, renderedAt }, [
        plain.buffer as ArrayBuffer,
        gzip.buffer as ArrayBuffer,
      ]);
    },
    {
      ...(discoveryWaitMs !== undefined && { discoveryWaitMs }),
      onCycle: (summary) => {
        const wire = summary && toWire(summary);
        post(
          {
            type: 'cycle',
            ...(wire && { summary: wire }),
            cycles: collector?.cycles ?? 0,
            podsKnown: collector?.podsKnown ?? true,
          },
          wire?.json ? [wire.json.buffer as ArrayBuffer] : [],
        );
      },
    },
  );
  post({
    type: 'started',
    description: collector.description,
    schedule: collector.schedule,
    podsKnown: collector.podsKnown,
  });
  // Readiness follows discovery as promptly as on the serving thread, not only at the next cycle.
  let podsKnown = collector.podsKnown;
  setInterval(() => {
    const now = collector?.podsKnown ?? true;
    if (now !== podsKnown) post({ type: 'pods-known', podsKnown: now });
    podsKnown = now;
  }, PODS_KNOWN_CHECK_MS).unref();
} catch (err) {
  const e = err as Error;
  post({
    type: 'start-failed',
    message: e.message,
    ...(err instanceof ConfigError && { problems: err.problems }),
  });
  port.close();
}

port.on('message', (message: ToCollector) => {
  const c = collector;
  if (!c) return;
  if (message.type === 'run') {
    c.runCycle().then((summary) => post({ type: 'ran', id: message.id, ok: summary !== undefined }));
  } else if (message.type === 'start') {
    void c.start();
  } else if (message.type === 'web-config') {
    serving.observeWebConfigReload(message.ok);
  } else if (message.type === 'stop') {
    const close = () => {
      logger.flush();
      post({ type: 'stopped' });
      port.close();
    };
    c.stop().then(close, (err: unknown) => {
      logger.error({ err }, 'error while stopping the collection thread');
      close();
    });
  }
});
