// Live VPP benchmark (root only): one real VPP v26.06 per row with 211, 1,000 and 10,000 interfaces
// (loopbacks plus two pod namespaces whose af_packet interfaces VPP cross-connects, with a few pings
// through them). Per row: the stats-segment read, `show interface` read + parse, a steady-state
// VppCollection cycle with and without the segment, `/metrics` of the compiled exporter and of VPP's
// own vpp_prometheus_export under 1 and 10 clients, response sizes, RSS, and the CLI commands the
// exporter sends per minute, measured from its own metrics. Prints numbers; asserts nothing.
// Run: npm run bench -- live
//
// Traffic goes only to 127.0.0.1 and into the namespaces LiveVpp creates; every load is bounded in
// time and count; every VPP, namespace and process started here is removed at the end, also on error.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import pino from 'pino';
import { VppCollection } from '../src/cycle/vpp-collection.ts';
import { parseShowInterface } from '../src/parsers/vpp/show-interface.ts';
import type { CommandOutput, VppSource } from '../src/sources/command-source.ts';
import { VppCliSocketSource } from '../src/sources/vpp-cli/vpp-cli-socket.ts';
import type { VppCommand } from '../src/sources/vpp-commands.ts';
import { segmentFdPath } from '../src/sources/vpp-stats/find-segment.ts';
import { openSegmentFile } from '../src/sources/vpp-stats/segment-file.ts';
import { StatsSegmentReader } from '../src/sources/vpp-stats/segment-reader.ts';
import { StatsSegmentSource } from '../src/sources/vpp-stats/stats-segment-source.ts';
import { LiveVpp, vppBundleDir } from '../test/support/live-vpp.ts';
import { freePort } from '../test/support/prometheus.ts';
import { residentMb, startCompiledExporter, startWithDockerfileSettings } from './compiled-exporter.ts';
import { findWrk, wrkMs, wrkPercentile, wrkRequestsPerSecond } from './wrk.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const execFileAsync = promisify(execFile);
const logger = pino({ level: 'silent' });

/** Interfaces per row, local0 and the two af_packet interfaces included (MPE_BENCH_LIVE_ROWS=211,1000 for fewer). */
const ROWS = (process.env.MPE_BENCH_LIVE_ROWS ?? '211,1000,10000').split(',').map(Number);
/** local0 + host-lva + host-lvb. */
const PATH_INTERFACES = 3;
const LOOPBACK_BATCH = 1000;
const PINGS = 5;
/** 10,000 interfaces need ≈ 53 MB of stats segment; the harness's 32 MB is too small (VPP aborts). */
const STATSEG = 'statseg { size 128M page-size 4k }';
const SEGMENT_READS = 200;
const SHOW_INTERFACE_RUNS = 20;
const CYCLE_WARMUP = 2;
const CYCLES = 11;
const LOAD_MS = 5000;
/** A bound on requests per load run, whatever the speed. */
const LOAD_MAX_REQUESTS = 200_000;
/** How long our exporter runs per row: long enough to see the state commands run twice (60 s apart). */
const COMMAND_WINDOW_MS = Number(process.env.MPE_BENCH_LIVE_WINDOW_MS ?? 80_000);
const SAMPLE_EVERY_MS = 2000;
/** The stall run (1,000 interfaces and up): a scrape every 50 ms for 20 s with a cycle every second. */
const STALL_EVERY_MS = 50;
const STALL_MS = 20_000;
/** A tiny request this often during the stall run measures how long the event loop is held. */
const PROBE_EVERY_MS = 10;
const FLOOR_CONNECTIONS = 50;
/**
 * MPE_BENCH_LIVE_ONLY=stall: only the event-loop stall rows (exporter, floor), each run
 * MPE_BENCH_LIVE_STALL_RUNS times (default 1), for work on the serving thread's latency.
 */
const STALL_ONLY = process.env.MPE_BENCH_LIVE_ONLY === 'stall';
const STALL_RUNS = Number(process.env.MPE_BENCH_LIVE_STALL_RUNS ?? 1);
const VPE_PORT = 9482;
/** The commands that stop VPP's workers at a barrier (README's table; show version is mp-safe). */
const BARRIER: readonly string[] = ['show tap', 'show vxlan tunnel raw', 'show errors'];
/** Deployed defaults: --collect.interval and --collect.state-interval. */
const INTERVAL_S = 15;
const STATE_INTERVAL_S = 60;

// ---------------------------------------------------------------------------------------------------
// Processes started here: killed on every way out (the harness removes its VPPs and namespaces itself).

const children = new Set<ChildProcess>();
let handlersInstalled = false;

function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (!handlersInstalled) {
    handlersInstalled = true;
    const killAll = () => {
      for (const c of children) c.kill('SIGKILL');
    };
    process.on('exit', killAll);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        killAll();
        process.kill(process.pid, signal);
      });
    }
  }
  return child;
}

/** SIGTERM, SIGKILL after 3 s; resolves once the process is gone. */
async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------------
// The HTTP client: its own process (plain JavaScript, `node -e`), run inside VPP's namespace for
// vpp_prometheus_export. It never abandons a request at the deadline (in-flight ones finish), so a
// server that dies of SIGPIPE on an early hang-up is not killed by the measurement itself.

interface ClientOptions {
  url: string;
  /** `close`: a new connection per request; `keep-alive`: reused connections (when the server allows). */
  connection: 'close' | 'keep-alive';
  concurrency?: number;
  durationMs?: number;
  maxRequests?: number;
  /** Paced: one request every intervalMs on one connection (a scrape loop). */
  intervalMs?: number;
  gzip?: boolean;
  /** One request; report bytes and series of the body. */
  once?: boolean;
  timeoutMs: number;
}

interface ClientResult {
  requests: number;
  errors: number;
  lastError?: string;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  bytes: number;
  series?: number;
  status?: number;
}

const CLIENT_JS = `
const http = require('node:http');
const o = JSON.parse(process.argv[1]);
const pct = (s, q) => (s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] : -1);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const keep = o.connection === 'keep-alive';
const agent = keep ? new http.Agent({ keepAlive: true, maxSockets: o.concurrency || 1 }) : false;
const headers = Object.assign(keep ? {} : { connection: 'close' }, o.gzip ? { 'accept-encoding': 'gzip' } : {});
function get(keepBody) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.get(o.url, { agent, headers }, (res) => {
      let bytes = 0;
      const chunks = [];
      res.on('data', (c) => { bytes += c.length; if (keepBody) chunks.push(c); });
      res.on('end', () => resolve({ ok: res.statusCode === 200, status: res.statusCode, ms: performance.now() - t0, bytes, body: keepBody ? Buffer.concat(chunks) : undefined }));
      res.on('error', (e) => resolve({ ok: false, error: String(e), ms: performance.now() - t0, bytes }));
    });
    req.setTimeout(o.timeoutMs, () => req.destroy(new Error('timeout after ' + o.timeoutMs + ' ms')));
    req.on('error', (e) => resolve({ ok: false, error: String(e), ms: performance.now() - t0, bytes: 0 }));
  });
}
async function main() {
  if (o.once) {
    const r = await get(true);
    let series = 0;
    if (r.body) for (const line of r.body.toString('utf8').split('\\n')) if (line !== '' && !line.startsWith('#')) series++;
    process.stdout.write(JSON.stringify({ requests: r.ok ? 1 : 0, errors: r.ok ? 0 : 1, lastError: r.error, status: r.status, seconds: r.ms / 1000, rps: 0, p50: r.ms, p99: r.ms, max: r.ms, bytes: r.bytes, series }));
    return;
  }
  const lat = [];
  let errors = 0, lastError, bytes = 0, started = 0;
  const t0 = performance.now();
  const end = t0 + o.durationMs;
  const record = (r) => { if (r.ok) { lat.push(r.ms); bytes = r.bytes; } else { errors++; lastError = r.error || 'HTTP ' + r.status; } };
  if (o.intervalMs) {
    let next = t0;
    while (performance.now() < end && started < o.maxRequests) {
      started++;
      record(await get(false));
      next += o.intervalMs;
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait); else next = performance.now();
    }
  } else {
    const worker = async () => {
      while (performance.now() < end && started < o.maxRequests) { started++; record(await get(false)); }
    };
    await Promise.all(Array.from({ length: o.concurrency || 1 }, worker));
  }
  const seconds = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({ requests: lat.length, errors, lastError, seconds, rps: lat.length / seconds, p50: pct(lat, 0.5), p99: pct(lat, 0.99), max: lat.length ? lat[lat.length - 1] : -1, bytes }));
  if (agent) agent.destroy();
}
main();
`;

async function client(o: ClientOptions, netns?: string): Promise<ClientResult> {
  const argv = [process.execPath, '-e', CLIENT_JS, JSON.stringify(o)];
  const [cmd, ...args] = (netns ? ['ip', 'netns', 'exec', netns, ...argv] : argv) as [string, ...string[]];
  const run = execFileAsync(cmd, args, {
    encoding: 'utf8',
    maxBuffer: 1024 * 1024,
    timeout: (o.durationMs ?? 0) + o.timeoutMs + 30_000,
  });
  track(run.child);
  const { stdout } = await run;
  return JSON.parse(stdout) as ClientResult;
}

/** A load run from a second process: `concurrency` clients for LOAD_MS (in-flight requests finish). */
function load(
  url: string,
  concurrency: number,
  connection: ClientOptions['connection'],
  netns?: string,
  gzip = false,
): Promise<ClientResult> {
  return client(
    {
      url,
      connection,
      concurrency,
      durationMs: LOAD_MS,
      maxRequests: LOAD_MAX_REQUESTS,
      timeoutMs: 30_000,
      gzip,
    },
    netns,
  );
}

const WRK = findWrk();
const WRK_CONNECTIONS = 10;
/** The key of the wrk run in a loads map. */
const WRK_KEY = `wrk ${WRK_CONNECTIONS}`;

/**
 * The identity load again from wrk, a C client: the Node client reads 1 MB bodies no faster than a
 * few hundred per second on these cores, so above that it measures itself. HTTP/1.0 servers that
 * close each connection are followed (wrk reconnects); its socket errors are reported as errors.
 */
async function wrkLoad(url: string, netns?: string): Promise<ClientResult> {
  const args = ['-t1', `-c${WRK_CONNECTIONS}`, `-d${LOAD_MS / 1000}s`, '--latency', '--timeout', '30s', url];
  const [cmd, ...rest] = (netns ? ['ip', 'netns', 'exec', netns, WRK, ...args] : [WRK, ...args]) as [
    string,
    ...string[],
  ];
  const { stdout: out } = await execFileAsync(cmd, rest, {
    encoding: 'utf8',
    timeout: LOAD_MS + 60_000,
  });
  const pick = (re: RegExp) => re.exec(out)?.[1];
  const done = /(\d+) requests in ([\d.]+)(ms|s)/.exec(out);
  const requests = Number(done?.[1] ?? 0);
  const seconds = Number(done?.[2] ?? Number.NaN) / (done?.[3] === 'ms' ? 1000 : 1);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(pick(/Non-2xx or 3xx responses: (\d+)/) ?? 0);
  const errors = (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0) + non2xx;
  return {
    requests,
    errors,
    ...(errors > 0 && { lastError: socketErrors ? socketErrors[0] : `${non2xx} non-2xx responses` }),
    seconds,
    rps: wrkRequestsPerSecond(out),
    p50: wrkMs(wrkPercentile(out, 50)),
    p99: wrkMs(wrkPercentile(out, 99)),
    max: wrkMs(pick(/Latency\s+\S+\s+\S+\s+(\S+)/)),
    bytes: 0,
  };
}

async function waitUntil(
  what: string,
  ok: () => Promise<boolean>,
  timeoutMs: number,
  child?: ChildProcess,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await ok().catch(() => false)) return;
    if (child && (child.exitCode !== null || child.signalCode !== null))
      throw new Error(`${what}: the process exited (${child.signalCode ?? child.exitCode}) before answering`);
    await sleep(200);
  }
  throw new Error(`${what} did not answer within ${timeoutMs} ms`);
}

// ---------------------------------------------------------------------------------------------------
// Formatting.

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function pct(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

function ms(x: number): string {
  if (!Number.isFinite(x) || x < 0) return '?';
  return x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0);
}

function size(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

const int = (n: number) => n.toLocaleString('en-US');

function loadCell(r: ClientResult): string {
  const errors = r.errors > 0 ? `, **${r.errors} errors** (${r.lastError})` : '';
  return `${ms(r.p50)} / ${ms(r.p99)} ms (max ${ms(r.max)}), ${r.rps.toFixed(r.rps < 10 ? 1 : 0)} req/s${errors}`;
}

interface Memory {
  rss: number;
  anon: number;
  file: number;
  shmem: number;
}

/** residentMb plus the shared-memory part (vpp_prometheus_export maps the stats segment). */
function memory(pid: number | undefined): Memory | undefined {
  if (!pid) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const shmem = Number(/^RssShmem:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024;
    return { ...residentMb(pid), shmem };
  } catch {
    return undefined;
  }
}

function mem(m: Memory | undefined): string {
  if (!m) return '(gone)';
  // VmRSS = RssAnon + RssFile + RssShmem.
  const shm = m.shmem >= 0.5 ? ` + shmem ${m.shmem.toFixed(0)}` : '';
  return `${m.rss.toFixed(0)} MB (anon ${m.anon.toFixed(0)} + file ${m.file.toFixed(0)}${shm})`;
}

// ---------------------------------------------------------------------------------------------------
// In-process measurements against the live VPP.

/** The CLI-socket source, recording what is sent to VPP. */
class CountingSource implements VppSource {
  readonly kind = 'vpp-cli-socket';
  readonly sent: VppCommand[] = [];
  constructor(private readonly inner: VppCliSocketSource) {}
  get location() {
    return this.inner.location;
  }
  vppPid() {
    return this.inner.vppPid();
  }
  run(command: VppCommand, timeoutMs: number): Promise<CommandOutput> {
    this.sent.push(command);
    return this.inner.run(command, timeoutMs);
  }
}

interface InProcess {
  segmentFile: number;
  names: number;
  errorCounters: number;
  read: { median: number; p99: number };
  showInterface: { median: number; p99: number; bytes: number; parsed: number };
  withSegment: { median: number; sent: string };
  cliOnly: { median: number; sent: string };
}

async function inProcess(vpp: LiveVpp): Promise<InProcess> {
  // 1. The counter read the exporter makes every cycle, on the memfd, directory decoded once.
  const path = segmentFdPath(vpp.pid);
  if (!path) throw new Error(`no stats segment memfd in /proc/${vpp.pid}/fd`);
  const open = openSegmentFile(path);
  let read: InProcess['read'];
  let names = 0;
  let errorCounters = 0;
  try {
    const reader = new StatsSegmentReader();
    for (let i = 0; i < 5; i++) {
      const d = await reader.read(open.file, open.key);
      names = d.interfaceNames.filter((n) => n !== undefined).length;
      errorCounters = d.errorCounters;
    }
    const samples: number[] = [];
    for (let i = 0; i < SEGMENT_READS; i++) {
      const t0 = performance.now();
      await reader.read(open.file, open.key);
      samples.push(performance.now() - t0);
    }
    samples.sort((a, b) => a - b);
    read = { median: pct(samples, 0.5), p99: pct(samples, 0.99) };
  } finally {
    open.close();
  }

  // 2. `show interface` over the CLI socket, parsed.
  const cli = new VppCliSocketSource({ socketPath: vpp.cliSocket });
  const runShowInterface = async () => {
    const out = await cli.run('show interface', 30_000);
    const text = out.kind === 'text' ? out.text : '';
    return { bytes: Buffer.byteLength(text), parsed: parseShowInterface(text).value.length };
  };
  let shown = await runShowInterface();
  shown = await runShowInterface();
  const siSamples: number[] = [];
  for (let i = 0; i < SHOW_INTERFACE_RUNS; i++) {
    const t0 = performance.now();
    shown = await runShowInterface();
    siSamples.push(performance.now() - t0);
  }
  siSamples.sort((a, b) => a - b);

  // 3. A whole VPP collection, steady state (state commands carried over), with and without the segment.
  const cycles = async (withSegment: boolean) => {
    const counting = new CountingSource(cli);
    const collection = new VppCollection(counting, {
      node: 'bench',
      forwarder: 'fwd',
      commandTimeoutMs: 30_000,
      stateIntervalMs: STATE_INTERVAL_S * 1000,
      logger,
      ...(withSegment && {
        statsSegment: new StatsSegmentSource({ kind: 'auto' }, () => counting.vppPid()),
      }),
    });
    const samples: number[] = [];
    let sent: VppCommand[] = [];
    for (let i = 0; i < CYCLE_WARMUP + CYCLES; i++) {
      counting.sent.length = 0;
      const t0 = performance.now();
      const snap = await collection.collect(Date.now() + 60_000);
      const elapsed = performance.now() - t0;
      if (i >= CYCLE_WARMUP) {
        samples.push(elapsed);
        sent = [...counting.sent];
      }
      const segment = snap.commands.find((c) => c.command === 'stats segment');
      if (withSegment && segment?.state !== 'ok')
        throw new Error(`stats segment read: ${JSON.stringify(segment)}`);
    }
    samples.sort((a, b) => a - b);
    return { median: pct(samples, 0.5), sent: sent.join(', ') };
  };
  const withSegment = await cycles(true);
  const cliOnly = await cycles(false);
  return {
    segmentFile: open.file.size,
    names,
    errorCounters,
    read,
    showInterface: {
      median: pct(siSamples, 0.5),
      p99: pct(siSamples, 0.99),
      bytes: shown.bytes,
      parsed: shown.parsed,
    },
    withSegment,
    cliOnly,
  };
}

// ---------------------------------------------------------------------------------------------------
// Our exporter: the commands it sends, read from its own metrics.

const LAST_SUCCESS = /^meridio_path_exporter_last_success_timestamp_seconds\{([^}]*)\} (\S+)$/gm;

/** Distinct `last_success_timestamp_seconds` per VPP command: one value per successful run. */
class CommandSampler {
  readonly runs = new Map<string, Set<number>>();
  samples = 0;
  last = '';
  constructor(private readonly url: string) {}

  async sample(): Promise<void> {
    const text = await (await fetch(this.url)).text();
    this.samples++;
    this.last = text;
    for (const m of text.matchAll(LAST_SUCCESS)) {
      const labels = m[1] as string;
      if (!labels.includes('source="vpp"')) continue;
      const command = /command="([^"]*)"/.exec(labels)?.[1];
      if (!command) continue;
      const set = this.runs.get(command) ?? new Set<number>();
      set.add(Number(m[2]));
      this.runs.set(command, set);
    }
  }

  /** Sorted run times (s) of a command; the first is the start-up cycle's. */
  times(command: string): number[] {
    return [...(this.runs.get(command) ?? [])].sort((a, b) => a - b);
  }
}

function selfMetric(text: string, name: string, command?: string): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`meridio_path_exporter_${name}`)) continue;
    if (command && !line.includes(`command="${command}"`)) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** Sum of every series of a self-metric family (e.g. failures over all commands and reasons). */
function sumMetric(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`meridio_path_exporter_${name}`))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

function countSeries(body: Buffer): number {
  let series = 0;
  for (const line of body.toString('utf8').split('\n')) if (line !== '' && !line.startsWith('#')) series++;
  return series;
}

interface OursResult {
  loads: Map<string, ClientResult>;
  gzipLoad: ClientResult;
  floorLoad?: ClientResult;
  floorGzipLoad?: ClientResult;
  body: Buffer;
  gzipBytes: number;
  series: number;
  idle?: Memory;
  loaded?: Memory;
  end?: Memory;
  commands: string;
  windowS: number;
  selfLine: string;
}

const LOAD_CASES = [
  [1, 'close'],
  [1, 'keep-alive'],
  [10, 'close'],
  [10, 'keep-alive'],
] as const;

async function ours(vpp: LiveVpp, floorConnections: boolean): Promise<OursResult> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/metrics`;
  const exporter = track(
    startCompiledExporter([
      `--vpp-cli-socket=${vpp.cliSocket}`,
      '--vpp-stats-segment=auto',
      `--web.listen-address=127.0.0.1:${port}`,
      '--node=bench',
    ]),
  );
  try {
    await waitUntil(url, async () => (await fetch(url)).ok, 120_000, exporter);
    const started = Date.now();
    const sampler = new CommandSampler(url);
    await sampler.sample();
    if (selfMetric(sampler.last, 'collect_success', 'stats segment') !== 1)
      throw new Error(
        'the exporter does not read the stats segment (collect_success{command="stats segment"} != 1)',
      );
    const body = Buffer.from(await (await fetch(url)).arrayBuffer());
    const gzipBytes = (await client({ url, connection: 'close', once: true, gzip: true, timeoutMs: 30_000 }))
      .bytes;
    const idle = memory(exporter.pid);
    const loads = new Map<string, ClientResult>();
    for (const [concurrency, connection] of LOAD_CASES) {
      loads.set(`${concurrency} ${connection}`, await load(url, concurrency, connection));
      await sampler.sample();
    }
    const gzipLoad = await load(url, 10, 'keep-alive', undefined, true);
    await sampler.sample();
    if (WRK) {
      loads.set(WRK_KEY, await wrkLoad(url));
      await sampler.sample();
    }
    let floorLoad: ClientResult | undefined;
    let floorGzipLoad: ClientResult | undefined;
    if (floorConnections) {
      floorLoad = await load(url, FLOOR_CONNECTIONS, 'keep-alive');
      await sampler.sample();
      floorGzipLoad = await load(url, FLOOR_CONNECTIONS, 'keep-alive', undefined, true);
      await sampler.sample();
    }
    const loaded = memory(exporter.pid);
    // Idle until the state commands ran a second time (or the window ends), sampling often enough
    // (every 2 s, 15 s between cycles) to see every run.
    while (Date.now() - started < COMMAND_WINDOW_MS) {
      await sampler.sample();
      if (sampler.times('show tap').length >= 2 && sampler.times('show vxlan tunnel raw').length >= 2) break;
      await sleep(SAMPLE_EVERY_MS);
    }
    const windowS = (Date.now() - started) / 1000;
    const end = memory(exporter.pid);
    const last = sampler.last;
    const cycle = selfMetric(last, 'cycle_duration_seconds');
    const dur = (c: string) => ms((selfMetric(last, 'collect_duration_seconds', c) ?? Number.NaN) * 1000);
    const selfLine = `cycle ${ms((cycle ?? Number.NaN) * 1000)} ms; stats segment ${dur('stats segment')} ms, show interface addr ${dur('show interface addr')} ms, show interface ${dur('show interface')} ms`;
    return {
      loads,
      gzipLoad,
      ...(floorLoad && { floorLoad }),
      ...(floorGzipLoad && { floorGzipLoad }),
      body,
      gzipBytes,
      series: countSeries(body),
      ...(idle && { idle }),
      ...(loaded && { loaded }),
      ...(end && { end }),
      commands: describeCommands(sampler),
      windowS,
      selfLine,
    };
  } finally {
    await stopChild(exporter);
  }
}

/** Runs seen per command after the start-up cycle, their spacing, and the barrier commands per minute. */
function describeCommands(sampler: CommandSampler): string {
  const parts: string[] = [];
  let barrierPerMinute = 0;
  let allPerMinute = 0;
  const commands = [
    'show interface addr',
    'show interface',
    'show version',
    'show tap',
    'show vxlan tunnel raw',
    'show errors',
  ];
  for (const command of commands) {
    const t = sampler.times(command);
    if (t.length === 0) {
      // No collect_success series at all: never sent; 0: sent and failing.
      const sent = selfMetric(sampler.last, 'collect_success', command) !== undefined;
      parts.push(`${command} ${sent ? 'sent but never succeeded' : 'never sent'}`);
      continue;
    }
    const runs = t.length - 1;
    // The first gap runs from the unaligned start-up cycle to a scheduled one: not the cadence.
    const gaps = t.slice(1).map((x, i) => x - (t[i] as number));
    const steady = gaps.length > 1 ? gaps.slice(1) : gaps;
    steady.sort((a, b) => a - b);
    // Steady state: a cycle every 15 s, a state command every 60 s (its first re-run comes with the
    // first 15-s cycle ≥ 59 s after the start-up cycle, so that one gap is 59–74 s).
    const gap = pct(steady, 0.5);
    const perMinute = runs === 0 ? 0 : gap < 30 ? 60 / INTERVAL_S : 60 / STATE_INTERVAL_S;
    allPerMinute += perMinute;
    if (BARRIER.includes(command)) barrierPerMinute += perMinute;
    const spacing =
      runs === 0
        ? ''
        : gaps.length > 1
          ? ` every ${gap.toFixed(1)} s`
          : ` ${gap.toFixed(1)} s after start-up`;
    parts.push(`${command} ${runs}×${spacing}`);
  }
  return `**${barrierPerMinute} barrier / ${allPerMinute} CLI commands per minute** (runs seen after start-up: ${parts.join('; ')})`;
}

// ---------------------------------------------------------------------------------------------------
// vpp_prometheus_export, in VPP's namespace, its clients there too.

interface VpeResult {
  loads: Map<string, ClientResult>;
  bytes: number;
  series: number;
  idle?: Memory;
  loaded?: Memory;
  deaths: number;
  stderr: string;
  /** `Client address is …` lines it wrote to stderr (one per connection). */
  clientLines: number;
  /** How the wrk run, the last, left it. */
  afterWrk?: string;
}

/**
 * `ip` arguments that run VPP's own exporter inside VPP's namespace (`ip netns exec` execs in place,
 * so the pid is the exporter's), v1 format: /if/ counters by interface index, `_if_names_info` for the
 * names, /err/ counters.
 */
export function vppPrometheusExportArgs(vpp: LiveVpp, port: number): string[] {
  const bin = join(vpp.bundleDir, 'bin', 'vpp_prometheus_export');
  return [
    'netns',
    'exec',
    vpp.netns,
    bin,
    'socket-name',
    vpp.statsSocket,
    'port',
    String(port),
    '/if/',
    '/err/',
  ];
}

async function vpe(vpp: LiveVpp): Promise<VpeResult> {
  const url = `http://127.0.0.1:${VPE_PORT}/metrics`;
  let stderr = '';
  let deaths = 0;
  let stopping = false;
  let clientLines = 0;
  const start = async () => {
    const child = track(
      spawn('ip', vppPrometheusExportArgs(vpp, VPE_PORT), { stdio: ['ignore', 'ignore', 'pipe'] }),
    );
    // It logs `Client address is …` for every connection; anything else is kept.
    child.stderr?.on('data', (d: Buffer) => {
      for (const line of d.toString('utf8').split('\n')) {
        if (line.startsWith('Client address is')) clientLines++;
        else if (line.trim() && stderr.length < 2000) stderr += `${line.trim()} `;
      }
    });
    child.once('exit', (code, signal) => {
      if (!stopping) {
        deaths++;
        stderr += `[exited: ${signal ?? code}] `;
      }
    });
    // `ip netns exec` execs in place: the pid is the exporter's own (RSS is read from it).
    await sleep(100);
    const comm = readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim();
    if (!comm.startsWith('vpp_prometheus'))
      throw new Error(`pid ${child.pid} is ${comm}, not vpp_prometheus_export`);
    await waitUntil(
      'vpp_prometheus_export',
      async () =>
        (await client({ url, connection: 'close', once: true, timeoutMs: 5000 }, vpp.netns)).requests === 1,
      10_000,
    );
    return child;
  };
  let child = await start();
  try {
    const once = await client({ url, connection: 'close', once: true, timeoutMs: 60_000 }, vpp.netns);
    const idle = memory(child.pid);
    const loads = new Map<string, ClientResult>();
    for (const [concurrency, connection] of LOAD_CASES) {
      if (child.exitCode !== null || child.signalCode !== null) child = await start();
      loads.set(`${concurrency} ${connection}`, await load(url, concurrency, connection, vpp.netns));
    }
    const loaded = memory(child.pid);
    let afterWrk = '';
    if (WRK) {
      if (child.exitCode !== null || child.signalCode !== null) child = await start();
      loads.set(WRK_KEY, await wrkLoad(url, vpp.netns));
      // wrk closes its connections mid-response when its time is up; vpp_prometheus_export does not
      // ignore SIGPIPE.
      await sleep(300);
      if (child.exitCode !== null || child.signalCode !== null) {
        afterWrk = `ended by ${child.signalCode ?? `exit ${child.exitCode}`} when wrk closed its connections at the end of its run`;
      }
    }
    return {
      loads,
      bytes: once.bytes,
      series: once.series ?? 0,
      ...(idle && { idle }),
      ...(loaded && { loaded }),
      deaths,
      stderr: stderr.trim(),
      clientLines,
      afterWrk,
    };
  } finally {
    stopping = true;
    await stopChild(child);
  }
}

// ---------------------------------------------------------------------------------------------------
// The event-loop stall at 10,000 interfaces: scrapes every 50 ms while a cycle runs every second.

async function stall(vpp: LiveVpp): Promise<{ line: string; body: Buffer }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/metrics`;
  const loop = loopDelayProbe();
  let exporter: ChildProcess | undefined;
  try {
    exporter = track(
      startCompiledExporter(
        [
          `--vpp-cli-socket=${vpp.cliSocket}`,
          '--vpp-stats-segment=auto',
          `--web.listen-address=127.0.0.1:${port}`,
          '--node=bench',
          '--collect.interval=1s',
          // Must be shorter than the interval (the default 5 s is refused with a 1-s interval).
          '--collect.command-timeout=900ms',
        ],
        { extraNodeFlags: loop.nodeFlags, env: loop.env },
      ),
    );
    await waitUntil(url, async () => (await fetch(url)).ok, 120_000, exporter);
    const before = await (await fetch(url)).text();
    const [[r, probe], delay] = await loop.during(exporter, () => stallLoad(url));
    const after = await (await fetch(url)).text();
    const rss = mem(memory(exporter.pid));
    const cycles = (selfMetric(after, 'cycles_total') ?? 0) - (selfMetric(before, 'cycles_total') ?? 0);
    const cycle = (selfMetric(after, 'cycle_duration_seconds') ?? Number.NaN) * 1000;
    const failures = sumMetric(after, 'collect_failures_total') - sumMetric(before, 'collect_failures_total');
    const errors = r.errors > 0 ? `, ${r.errors} errors (${r.lastError})` : '';
    const line = `${r.requests} scrapes in ${r.seconds.toFixed(1)} s (one every ${STALL_EVERY_MS} ms, keep-alive) while ${cycles} cycles ran (last cycle ${ms(cycle)} ms, ${failures} failed commands meanwhile): latency p50 ${ms(r.p50)} ms, p99 ${ms(r.p99)} ms, max ${ms(r.max)} ms${errors}; meanwhile ${probeText(probe, 'longest event-loop stall seen')}; ${loopDelayText(delay)}; RSS at the end ${rss}`;
    return { line, body: Buffer.from(after) };
  } finally {
    await stopChild(exporter);
    loop.remove();
  }
}

/**
 * Row 8: the stall with cycles every second, then the floor serving the same bytes (`body`, or what
 * the first run served), each STALL_RUNS times.
 */
async function stallRows(vpp: LiveVpp, body?: Buffer): Promise<string[]> {
  const lines: string[] = [];
  let served = body;
  for (let i = 0; i < STALL_RUNS; i++) {
    const run = await stall(vpp).catch((err: Error) => ({
      line: `**failed**: ${err.message}`,
      body: undefined,
    }));
    served ??= run.body;
    lines.push(
      `| 8 | event-loop stall: \`--collect.interval=1s --collect.command-timeout=900ms\` | ${run.line} | |`,
    );
  }
  for (let i = 0; i < STALL_RUNS; i++) {
    const line = served
      ? await stallFloor(served).catch((err: Error) => `**failed**: ${err.message}`)
      : '**failed**: no exposition to serve';
    lines.push(
      `| 8 | … floor: bare node:http (bench/static-server.ts) with the same bytes, same two clients, no collection | ${line} | |`,
    );
  }
  return lines;
}

/** The stall run's two clients: scrapes every STALL_EVERY_MS and a tiny `/healthz` every PROBE_EVERY_MS. */
function stallLoad(url: string): Promise<[ClientResult, ClientResult]> {
  // The probe's answer is a few bytes: its latency is the time the server's event loop was busy.
  return Promise.all([
    client({
      url,
      connection: 'keep-alive',
      intervalMs: STALL_EVERY_MS,
      durationMs: STALL_MS,
      maxRequests: Math.ceil(STALL_MS / STALL_EVERY_MS) + 10,
      timeoutMs: 30_000,
    }),
    client({
      url: url.replace(/\/metrics$/, '/healthz'),
      connection: 'keep-alive',
      intervalMs: PROBE_EVERY_MS,
      durationMs: STALL_MS,
      maxRequests: Math.ceil(STALL_MS / PROBE_EVERY_MS) + 10,
      timeoutMs: 30_000,
    }),
  ]);
}

/**
 * The stall floor: a bare node:http server holding the same bytes under the same two clients, with no
 * collection at all. What it shows is the machine's scheduling and the cost of writing the body: no
 * exporter can stall less than this here.
 */
async function stallFloor(body: Buffer): Promise<string> {
  const loop = loopDelayProbe();
  try {
    return await withBodyFile(body, (bodyFile) =>
      withStaticServer(
        bodyFile,
        async (url, server) => {
          const [[r, probe], delay] = await loop.during(server, () => stallLoad(url));
          return `${r.requests} scrapes of the same ${size(body.length)} (keep-alive): latency p50 ${ms(r.p50)} ms, p99 ${ms(r.p99)} ms, max ${ms(r.max)} ms; ${probeText(probe, 'longest')}; ${loopDelayText(delay)}; RSS at the end ${mem(memory(server.pid))}`;
        },
        loop,
      ),
    );
  } finally {
    loop.remove();
  }
}

interface LoopDelay {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * bench/loop-delay.mjs preloaded into a server: its serving thread's own event-loop delay over a load,
 * which, unlike the probe's answers, leaves out the probing client's scheduling.
 */
function loopDelayProbe() {
  const dir = mkdtempSync(join(tmpdir(), 'mpe-bench-loop-'));
  const file = join(dir, 'delay.json');
  return {
    nodeFlags: ['--import', pathToFileURL(join(ROOT, 'bench/loop-delay.mjs')).href],
    env: { MPE_BENCH_LOOP_DELAY_FILE: file },
    /** `load`'s result, and the server's loop delay over it (undefined if the server wrote none). */
    async during<T>(server: ChildProcess, load: () => Promise<T>): Promise<[T, LoopDelay | undefined]> {
      server.kill('SIGUSR2');
      const result = await load();
      server.kill('SIGUSR2');
      for (let waited = 0; waited < 5000; waited += 50) {
        try {
          return [result, JSON.parse(readFileSync(file, 'utf8')) as LoopDelay];
        } catch {
          // Not written yet, or half written.
          await sleep(50);
        }
      }
      return [result, undefined];
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The `/healthz` probe's figures in a stall row; `longest` names its longest answer. */
function probeText(probe: ClientResult, longest: string): string {
  const errors = probe.errors > 0 ? `, ${probe.errors} errors (${probe.lastError})` : '';
  return `\`/healthz\` every ${PROBE_EVERY_MS} ms (${probe.requests} answers): p50 ${ms(probe.p50)} ms, p99 ${ms(probe.p99)} ms, **${longest} ${ms(probe.max)} ms**${errors}`;
}

function loopDelayText(d: LoopDelay | undefined): string {
  if (!d) return "serving thread's loop delay: **not reported**";
  // Each sample is the time between two ticks of a 1-ms timer: an idle loop shows about 1 ms.
  return `serving thread's own loop delay (1-ms timer, ${d.samples} ticks): p50 ${ms(d.p50Ms)} ms, p99 ${ms(d.p99Ms)} ms, **max ${ms(d.maxMs)} ms**`;
}

/** `fn` with `body` in a temporary file (the floor servers read their bytes from one), removed afterwards. */
async function withBodyFile<T>(body: Buffer, fn: (bodyFile: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'mpe-bench-floor-'));
  try {
    const bodyFile = join(dir, 'body.txt');
    writeFileSync(bodyFile, body);
    return await fn(bodyFile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `fn` against bench/static-server.ts serving the bytes of `bodyFile` (the floor server), stopped afterwards. */
async function withStaticServer<T>(
  bodyFile: string,
  fn: (url: string, server: ChildProcess) => Promise<T>,
  preload?: { nodeFlags: readonly string[]; env: Readonly<Record<string, string>> },
): Promise<T> {
  let server: ChildProcess | undefined;
  try {
    const port = await freePort();
    server = track(
      spawn(
        process.execPath,
        [...(preload?.nodeFlags ?? []), join(ROOT, 'bench/static-server.ts'), bodyFile, String(port)],
        { stdio: 'ignore', env: { ...process.env, ...preload?.env } },
      ),
    );
    const url = `http://127.0.0.1:${port}/metrics`;
    await waitUntil(url, async () => (await fetch(url)).ok, 10_000);
    return await fn(url, server);
  } finally {
    if (server) await stopChild(server);
  }
}

// ---------------------------------------------------------------------------------------------------
// Floors at 1,000 interfaces: the bare node:http server with our bytes, and the packages' RSS.

interface ExporterLoads {
  at50?: ClientResult;
  at50gzip?: ClientResult;
  at10?: ClientResult;
  at10gzip?: ClientResult;
  at10wrk?: ClientResult;
}

/** The floors table: `body` (also in `bodyFile`, which the floor servers read) against the exporter's loads. */
async function floors(bodyFile: string, body: Buffer, exporter: ExporterLoads): Promise<void> {
  console.log(
    `\n### Floors at 1,000 interfaces, ${FLOOR_CONNECTIONS} connections (keep-alive, ${LOAD_MS / 1000} s, this file's client)\n`,
  );
  // Row 4's 10-client loads against the same bytes too: what Node itself does with them here.
  const [floor, floor50gzip, floor10, floor10gzip, floor10wrk] = await withStaticServer(
    bodyFile,
    async (url) => [
      await load(url, FLOOR_CONNECTIONS, 'keep-alive'),
      await load(url, FLOOR_CONNECTIONS, 'keep-alive', undefined, true),
      await load(url, 10, 'keep-alive'),
      await load(url, 10, 'keep-alive', undefined, true),
      WRK ? await wrkLoad(url) : undefined,
    ],
  );
  const rss: string[] = [];
  for (let run = 0; run < 3; run++) {
    const p = await freePort();
    const pf = track(startWithDockerfileSettings(join(ROOT, 'bench/packages-floor.mjs'), [String(p)]));
    try {
      const u = `http://127.0.0.1:${p}/metrics`;
      await waitUntil(u, async () => (await fetch(u)).ok, 10_000);
      rss.push(mem(memory(pf.pid)));
    } finally {
      await stopChild(pf);
    }
  }
  // The packages floor under the exporter's own loads, serving the exporter's bytes.
  const loadedFloor = await (async () => {
    const p = await freePort();
    const pf = track(
      startWithDockerfileSettings(join(ROOT, 'bench/packages-floor.mjs'), [String(p), bodyFile]),
    );
    try {
      const u = `http://127.0.0.1:${p}/metrics`;
      await waitUntil(u, async () => (await fetch(u)).ok, 10_000);
      const idle = mem(memory(pf.pid));
      for (const [concurrency, connection] of LOAD_CASES) await load(u, concurrency, connection);
      await load(u, 10, 'keep-alive', undefined, true);
      if (WRK) await wrkLoad(u);
      await load(u, FLOOR_CONNECTIONS, 'keep-alive');
      await load(u, FLOOR_CONNECTIONS, 'keep-alive', undefined, true);
      return `${idle} → ${mem(memory(pf.pid))}`;
    } finally {
      await stopChild(pf);
    }
  })().catch((err: Error) => `**failed**: ${err.message}`);
  console.log('| server | load | body | p50 / p99 (max), requests/s |\n|---|---|---|---|');
  const lines: [string, string, ClientResult | undefined, ClientResult | undefined][] = [
    [`${FLOOR_CONNECTIONS} connections, identity`, '', exporter.at50, floor],
    [`${FLOOR_CONNECTIONS} connections, gzip`, ' (gzip)', exporter.at50gzip, floor50gzip],
    ['10 clients, identity', '', exporter.at10, floor10],
    ['10 clients, gzip', ' (gzip)', exporter.at10gzip, floor10gzip],
    [`${WRK_CONNECTIONS} connections, identity, wrk`, '', exporter.at10wrk, floor10wrk],
  ];
  for (const [what, enc, ours, bare] of lines) {
    if (!bare) continue;
    if (ours)
      console.log(`| exporter (live VPP) | ${what} | ${size(body.length)}${enc} | ${loadCell(ours)} |`);
    console.log(
      `| node:http floor (bench/static-server.ts, same bytes) | ${what} | ${size(body.length)}${enc} | ${loadCell(bare)} |`,
    );
  }
  console.log(
    `\nPackages floor (bench/packages-floor.mjs with the Dockerfile's flags), RSS in 3 runs: ${rss.join('; ')}.`,
  );
  console.log(
    `Packages floor serving the exporter's ${size(body.length)} under the exporter's loads (row 4's runs, the gzip run, the wrk run, then ${FLOOR_CONNECTIONS} connections identity and gzip): RSS idle → after ${loadedFloor}.`,
  );
  console.log(
    "run.ts's load()/serving() are not exported, so these reuse bench/static-server.ts and bench/packages-floor.mjs with this file's client (wrk only in its own row; 5 s not 10 s): compare within this table, not with `npm run bench -- serving`.",
  );
}

// ---------------------------------------------------------------------------------------------------

async function row(n: number): Promise<{ body: Buffer; loads: ExporterLoads } | undefined> {
  const loopbacks = n - PATH_INTERFACES;
  const t0 = performance.now();
  const vpp = await LiveVpp.start({ name: `live${n}`, extraStartup: STATSEG });
  try {
    const startS = (performance.now() - t0) / 1000;
    const a = vpp.addPodNamespace('a');
    const b = vpp.addPodNamespace('b');
    const xa = vpp.afPacketTo(a, { vppIfName: 'lva', podIfName: 'eth0', podAddr4: '10.71.0.1/24' });
    const xb = vpp.afPacketTo(b, { vppIfName: 'lvb', podIfName: 'eth0', podAddr4: '10.71.0.2/24' });
    vpp.xconnect(xa, xb);
    const t1 = performance.now();
    for (let i = 0; i < loopbacks; i += LOOPBACK_BATCH) {
      const k = Math.min(LOOPBACK_BATCH, loopbacks - i);
      vpp.vppctlScript(Array.from({ length: k }, () => 'create loopback interface'));
      vpp.vppctlScript(Array.from({ length: k }, (_, j) => `set interface state loop${i + j} up`));
    }
    const createS = (performance.now() - t1) / 1000;
    const pinged = vpp.ping(a, '10.71.0.2', PINGS);

    if (STALL_ONLY) {
      console.log(`\n### ${int(n)} interfaces: event-loop stall only\n`);
      console.log('| # | measurement | meridio-path-exporter | |');
      console.log('|---|---|---|---|');
      for (const line of await stallRows(vpp)) console.log(line);
      return undefined;
    }
    const local = await inProcess(vpp);
    if (local.names !== n) throw new Error(`expected ${n} interfaces in the segment, found ${local.names}`);
    const o = await ours(vpp, n === 1000);
    const vr = await vpe(vpp).catch((err: Error) => err);
    const stallLines = n >= 1000 ? await stallRows(vpp, o.body) : [];
    const vppMem = memory(vpp.pid);
    const failed: VpeResult = {
      loads: new Map(),
      bytes: 0,
      series: 0,
      deaths: 0,
      stderr: vr instanceof Error ? `the run failed: ${vr.message}` : '',
      clientLines: 0,
    };
    const v = vr instanceof Error ? failed : vr;
    const vpeLoad = (r: ClientResult | undefined) => (r ? loadCell(r) : '**failed**');

    console.log(`\n### ${int(n)} interfaces\n`);
    console.log(
      `One VPP (started in ${startS.toFixed(1)} s, ${STATSEG}): ${int(loopbacks)} loopbacks (up) + local0 + ${xa}/${xb} (af_packet into pod namespaces, l2 xconnect; ${PINGS} pings a → b ${pinged ? 'answered' : '**not answered**'}). Loopbacks created in ${createS.toFixed(2)} s (vppctl exec, batches of ${int(LOOPBACK_BATCH)} create + ${int(LOOPBACK_BATCH)} set state). Segment memfd ${size(local.segmentFile)}, ${int(local.names)} interface names, ${int(local.errorCounters)} error counters. VPP RSS at the end: ${mem(vppMem)}.\n`,
    );
    console.log('| # | measurement | meridio-path-exporter | vpp_prometheus_export |');
    console.log('|---|---|---|---|');
    console.log(
      `| 1 | stats segment read: \`StatsSegmentReader.read\` on the memfd, directory cached, ${SEGMENT_READS} reads — median / p99 | ${ms(local.read.median)} / ${ms(local.read.p99)} ms | reads the segment per scrape (see 4) |`,
    );
    console.log(
      `| 2 | \`show interface\` read + parse (\`VppCliSocketSource.run\` + \`parseShowInterface\`, ${size(local.showInterface.bytes)}, ${int(local.showInterface.parsed)} interfaces), ${SHOW_INTERFACE_RUNS} runs — median / p99 | ${ms(local.showInterface.median)} / ${ms(local.showInterface.p99)} ms | — |`,
    );
    console.log(
      `| 3 | \`VppCollection.collect\`, steady state (median of ${CYCLES} after ${CYCLE_WARMUP}), with the stats segment | ${ms(local.withSegment.median)} ms; sends ${local.withSegment.sent} | — |`,
    );
    console.log(
      `| 3 | … CLI only (no \`statsSegment\`) | ${ms(local.cliOnly.median)} ms; sends ${local.cliOnly.sent} | — |`,
    );
    const label = (c: number, conn: string) =>
      `${c} client${c > 1 ? 's' : ''}, ${conn === 'close' ? 'new connection per request' : 'keep-alive'}`;
    for (const [c, conn] of LOAD_CASES) {
      const key = `${c} ${conn}`;
      const vpeCell = `${vpeLoad(v.loads.get(key))}${conn === 'keep-alive' ? ' (HTTP/1.0: closes every connection)' : ''}`;
      console.log(
        `| 4 | \`/metrics\` ${label(c, conn)}, ${LOAD_MS / 1000} s — p50 / p99 | ${loadCell(o.loads.get(key) as ClientResult)} | ${vpeCell} |`,
      );
    }
    console.log(
      `| 4 | \`/metrics\` 10 clients, keep-alive, Accept-Encoding: gzip (as Prometheus asks) | ${loadCell(o.gzipLoad)} | no gzip |`,
    );
    const ourWrk = o.loads.get(WRK_KEY);
    console.log(
      WRK && ourWrk
        ? `| 4 | \`/metrics\` ${WRK_CONNECTIONS} connections, keep-alive, identity, from wrk (C client, one thread), ${LOAD_MS / 1000} s — p50 / p99 | ${loadCell(ourWrk)} | ${vpeLoad(v.loads.get(WRK_KEY))} (HTTP/1.0: a new connection per request) |`
        : '| 4 | `/metrics` from wrk | not installed (`apt-get install wrk`): identity above is bounded by the Node client | |',
    );
    console.log(
      `| 5 | \`/metrics\` response: bytes, series | ${size(o.body.length)} (gzip ${size(o.gzipBytes)}), ${int(o.series)} | ${size(v.bytes)}, ${int(v.series)} |`,
    );
    console.log(
      `| 5 | RSS: idle → after the loads → end of the ${o.windowS.toFixed(0)}-s window (MB) | ${mem(o.idle)} → ${mem(o.loaded)} → ${mem(o.end)} | ${mem(v.idle)} → ${mem(v.loaded)} |`,
    );
    console.log(
      `| 6 | CLI commands sent to VPP, measured from the exporter's \`last_success_timestamp_seconds\` over ${o.windowS.toFixed(0)} s (defaults: ${INTERVAL_S} s cycle, ${STATE_INTERVAL_S} s state interval) | ${o.commands} | none (stats segment only) |`,
    );
    console.log(
      `| 6 | … CLI only (\`--vpp-stats-segment=off\`), from the config | 3 barrier / 12 CLI commands per minute (show interface and show interface addr 4× each; version, tap, vxlan, errors 1× each) | |`,
    );
    console.log(`| 7 | the exporter's own last durations at the end of the window | ${o.selfLine} | |`);
    for (const line of stallLines) console.log(line);
    console.log(
      `\nvpp_prometheus_export: ${v.deaths} unexpected exit(s) during the runs${v.afterWrk ? ` (${v.afterWrk})` : ''}; ${int(v.clientLines)} \`Client address is …\` lines on stderr (one per connection)${v.stderr ? `; other stderr: ${v.stderr.slice(0, 300)}` : ''}.`,
    );
    const at10 = o.loads.get('10 keep-alive');
    return {
      body: o.body,
      loads: {
        ...(o.floorLoad && { at50: o.floorLoad }),
        ...(o.floorGzipLoad && { at50gzip: o.floorGzipLoad }),
        ...(at10 && { at10 }),
        at10gzip: o.gzipLoad,
        ...(ourWrk && { at10wrk: ourWrk }),
      },
    };
  } finally {
    await vpp.stop();
  }
}

export async function liveVpp(): Promise<void> {
  console.log('\n## Live VPP: one real VPP v26.06 per row\n');
  if (process.getuid?.() !== 0 || !vppBundleDir()) {
    console.log('(skipped: needs root and a VPP bundle, see test/support/live-vpp.ts)');
    return;
  }
  const t0 = performance.now();
  console.log(
    `Our exporter: dist/main.js with the Dockerfile's flags, \`--vpp-cli-socket\` of that VPP, \`--vpp-stats-segment=auto\`, default intervals, on 127.0.0.1; its clients in the root namespace. vpp_prometheus_export: \`socket-name RUN/stats.sock port ${VPE_PORT} /if/ /err/\` inside VPP's namespace, its clients there too (\`ip netns exec\`). Clients: a node:http loop in a second process, ${LOAD_MS / 1000} s per run, identity encoding unless said; a run lets its in-flight requests finish. Latencies are per request, connection set-up included when new. 2 cores shared by VPP, the exporter and the client.`,
  );
  for (const n of ROWS) {
    const r = await row(n);
    if (r && n === 1000) await withBodyFile(r.body, (bodyFile) => floors(bodyFile, r.body, r.loads));
  }
  console.log(`\nLive VPP bench took ${((performance.now() - t0) / 1000).toFixed(0)} s.`);
}
