// Memory over time under steady load: does the exporter stay flat after warm-up, and does one oversize
// VPP output (rejected at the cap) give its memory back? Prints numbers; asserts nothing.
//   npm run bench -- soak [DURATION]      (or MPE_BENCH_SOAK_DURATION; default 10m, e.g. 1h)
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseDuration } from '../src/config/duration.ts';
import { freePort } from '../test/support/prometheus.ts';
import { VppCliPeer } from '../test/support/vpp-cli-peer.ts';
import { residentMb, startCompiledExporter } from './compiled-exporter.ts';
import { syntheticVpp } from './synthetic.ts';

const INTERFACES = 1000;
const SCRAPE_EVERY_MS = 100;
/** Over the exporter's 32 MiB cap on one VPP output; MPE_BENCH_SOAK_OVERSIZE=0 leaves it out (a control run). */
const OVERSIZE_BYTES = 40 * 1024 * 1024;
const WITH_OVERSIZE = process.env.MPE_BENCH_SOAK_OVERSIZE !== '0';

interface Sample {
  atS: number;
  /** The lowest of the window's readings (one per scrape): what stays, GC timing aside. */
  rss: number;
  rssMax: number;
  anon: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  cycles: number;
  tooLarge: number;
  scrapeP50: number;
  scrapeP99: number;
  scrapeMax: number;
}

function gauge(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || l.startsWith(`${name}{`));
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

function sum(text: string, name: string, labelPart: string): number {
  let total = 0;
  for (const l of text.split('\n')) {
    if (l.startsWith(`${name}{`) && l.includes(labelPart)) total += Number(l.slice(l.lastIndexOf(' ') + 1));
  }
  return total;
}

/** One scrape as Prometheus makes it (gzip, keep-alive); the body is returned decompressed. */
function scrape(port: number, agent: Agent): Promise<{ ms: number; body: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/metrics',
        agent,
        headers: { 'accept-encoding': 'gzip' },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const body = res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
          resolve({ ms: performance.now() - t0, body: body.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('scrape timed out after 10 s')));
    req.on('error', reject);
    req.end();
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number);
}

function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

export async function soak(durationArg?: string): Promise<void> {
  const text = durationArg ?? process.env.MPE_BENCH_SOAK_DURATION ?? '10m';
  const durationMs = parseDuration(text);
  if (durationMs === undefined || durationMs < 60_000) {
    throw new Error(
      `soak duration ${JSON.stringify(text)}: expected a duration of at least 1m, e.g. 10m or 1h`,
    );
  }
  // Warm-up ends at a fifth of the run (at most 5 minutes); the oversize output comes right after it.
  const warmupMs = Math.min(durationMs / 5, 300_000);
  const printEveryMs = Math.max(10_000, Math.round(durationMs / 30 / 10_000) * 10_000);
  const dir = mkdtempSync(join(tmpdir(), 'mpe-soak-'));
  const peer = new VppCliPeer(join(dir, 'cli.sock'), { responses: syntheticVpp(INTERFACES) });
  await peer.start();
  const port = await freePort();
  const exporter = startCompiledExporter([
    `--vpp-cli-socket=${join(dir, 'cli.sock')}`,
    '--vpp-stats-segment=off',
    '--collect.interval=1s',
    '--collect.state-interval=10s',
    '--collect.command-timeout=900ms',
    `--web.listen-address=127.0.0.1:${port}`,
    '--node=soak',
  ]);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  console.log(
    `\n## Soak: ${INTERFACES} interfaces, 1 s cycles, scraped every ${SCRAPE_EVERY_MS} ms (gzip, keep-alive), ${text}\n`,
  );
  console.log(
    `Compiled exporter with the Dockerfile's node flags and environment, reading a CLI protocol peer; counters change every cycle. ${WITH_OVERSIZE ? `One ${mb(OVERSIZE_BYTES)} MiB \`show interface\` output (over the 32 MiB cap) is sent once, at ${(warmupMs / 60_000).toFixed(1)} min.` : 'No oversize output (MPE_BENCH_SOAK_OVERSIZE=0).'}\n`,
  );
  console.log(
    '| time | RSS MB, min / max | anon MB, min | heap used MB | heap total MB | external MB | cycles | outputs over the cap | scrape p50 / p99 / max ms |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  const samples: Sample[] = [];
  const t0 = Date.now();
  let seed = 1;
  let oversizeSent = false;
  let window: number[] = [];
  let rssMin = Number.POSITIVE_INFINITY;
  let rssMax = 0;
  let anonMin = Number.POSITIVE_INFINITY;
  let scrapeErrors = 0;
  let last = '';
  const rotate = setInterval(() => {
    // Fresh counter values every cycle, so the exporter renders new text as it does on a live node.
    peer.behaviour.responses = syntheticVpp(INTERFACES, ++seed);
    if (WITH_OVERSIZE && !oversizeSent && Date.now() - t0 >= warmupMs) {
      oversizeSent = true;
      const block = peer.behaviour.responses['show interface'] as string;
      peer.behaviour.responses = {
        ...peer.behaviour.responses,
        'show interface': block.repeat(Math.ceil(OVERSIZE_BYTES / block.length)),
      };
    }
  }, 1000);
  try {
    await waitForFirstScrape(port, agent);
    let nextPrint = Date.now() + printEveryMs;
    while (Date.now() - t0 < durationMs) {
      const started = Date.now();
      try {
        const r = await scrape(port, agent);
        window.push(r.ms);
        last = r.body;
      } catch {
        scrapeErrors++;
      }
      const reading = residentMb(exporter.pid as number);
      rssMin = Math.min(rssMin, reading.rss);
      rssMax = Math.max(rssMax, reading.rss);
      anonMin = Math.min(anonMin, reading.anon);
      if (Date.now() >= nextPrint) {
        nextPrint += printEveryMs;
        const sorted = [...window].sort((a, b) => a - b);
        window = [];
        const s: Sample = {
          atS: (Date.now() - t0) / 1000,
          rss: rssMin,
          rssMax,
          anon: anonMin,
          heapUsed: gauge(last, 'nodejs_heap_size_used_bytes'),
          heapTotal: gauge(last, 'nodejs_heap_size_total_bytes'),
          external: gauge(last, 'nodejs_external_memory_bytes'),
          cycles: gauge(last, 'meridio_path_exporter_cycles_total'),
          tooLarge: sum(last, 'meridio_path_exporter_collect_failures_total', 'reason="too-large"'),
          scrapeP50: percentile(sorted, 0.5),
          scrapeP99: percentile(sorted, 0.99),
          scrapeMax: sorted.at(-1) ?? Number.NaN,
        };
        samples.push(s);
        rssMin = Number.POSITIVE_INFINITY;
        rssMax = 0;
        anonMin = Number.POSITIVE_INFINITY;
        console.log(
          `| ${formatTime(s.atS)} | ${s.rss.toFixed(1)} / ${s.rssMax.toFixed(1)} | ${s.anon.toFixed(1)} | ${mb(s.heapUsed)} | ${mb(s.heapTotal)} | ${mb(s.external)} | ${s.cycles} | ${s.tooLarge} | ${s.scrapeP50.toFixed(2)} / ${s.scrapeP99.toFixed(2)} / ${s.scrapeMax.toFixed(1)} |`,
        );
      }
      await new Promise((r) => setTimeout(r, Math.max(0, SCRAPE_EVERY_MS - (Date.now() - started))));
    }
  } finally {
    clearInterval(rotate);
    exporter.kill('SIGTERM');
    agent.destroy();
    await peer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  summarise(samples, warmupMs / 1000, scrapeErrors);
}

async function waitForFirstScrape(port: number, agent: Agent): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      const r = await scrape(port, agent);
      if (r.body.includes('meridio_path_exporter_cycles_total')) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the exporter did not answer /metrics within 20 s');
}

function formatTime(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return `${m}:${String(Math.round(seconds % 60)).padStart(2, '0')}`;
}

/** After warm-up, compare the first and last quarter of the run, and the memory just before and after the oversize output. */
function summarise(samples: readonly Sample[], warmupS: number, scrapeErrors: number): void {
  const steady = samples.filter((s) => s.atS > warmupS);
  if (steady.length < 4) {
    console.log('\nToo few samples after warm-up to judge flatness; run longer.');
    return;
  }
  const quarter = Math.max(1, Math.floor(steady.length / 4));
  const early = steady.slice(0, quarter);
  const late = steady.slice(-quarter);
  const before = samples.filter((s) => s.atS <= warmupS);
  const hours = ((late.at(-1) as Sample).atS - (early[0] as Sample).atS) / 3600;
  const line = (what: string, pick: (s: Sample) => number, unit = 'MB', scale = 1) => {
    const a = median(early.map(pick)) / scale;
    const b = median(late.map(pick)) / scale;
    console.log(
      `| ${what} | ${before.length > 0 ? (median(before.map(pick)) / scale).toFixed(1) : '–'} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b - a).toFixed(1)} ${unit} (${((b - a) / Math.max(hours, 1e-9)).toFixed(1)} ${unit}/h) |`,
    );
  };
  console.log(
    `\nMedians of the windows: warm-up (before the oversize output), then the first and last quarter after it, ${(hours * 60).toFixed(0)} min apart. RSS and anonymous memory are each window's minimum, heap and buffers its last reading.\n`,
  );
  console.log('| | warm-up | first quarter | last quarter | change |');
  console.log('|---|---|---|---|---|');
  line('RSS', (s) => s.rss);
  line('anonymous memory', (s) => s.anon);
  line('heap used', (s) => s.heapUsed, 'MB', 1024 * 1024);
  line('external (buffers)', (s) => s.external, 'MB', 1024 * 1024);
  const lastSample = samples.at(-1) as Sample;
  console.log(
    `\n${lastSample.cycles} cycles, ${lastSample.tooLarge} output(s) rejected over the cap, ${scrapeErrors} failed scrapes.`,
  );
}
