// Benchmarks of the VPP side, the Meridio pods and the path correlation. Prints numbers; asserts nothing. Run: npm run bench
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { PodCollection } from '../src/cycle/pod-collection.ts';
import { VppCollection } from '../src/cycle/vpp-collection.ts';
import { SelfMetrics } from '../src/exposition/self-metrics.ts';
import { parseShowErrors } from '../src/parsers/vpp/show-errors.ts';
import { parseShowInterface } from '../src/parsers/vpp/show-interface.ts';
import { parseShowInterfaceAddr } from '../src/parsers/vpp/show-interface-addr.ts';
import { parseShowTap } from '../src/parsers/vpp/show-tap.ts';
import { correlatePath, trafficOf } from '../src/path/correlate.ts';
import { renderPathMetricParts } from '../src/path/path-metrics.ts';
import { renderPodParts } from '../src/render/pod-renderer.ts';
import { VppRenderer } from '../src/render/vpp-renderer.ts';
import { renderPathSvg } from '../src/server/page/path-svg.ts';
import { NetnsPodSource } from '../src/sources/netns.ts';
import { commandSlug } from '../src/sources/vpp-commands.ts';
import { MemoryPodSource } from '../test/support/memory-pod-source.ts';
import { MemorySource } from '../test/support/memory-source.ts';
import { GuideTopology } from '../test/support/netns-topology.ts';
import { freePort } from '../test/support/prometheus.ts';
import { basicAuthUnderAttack } from './basic-auth.ts';
import { clusterModes } from './cluster.ts';
import { residentMb, startCompiledExporter, startWithDockerfileSettings } from './compiled-exporter.ts';
import { nodeCost } from './cost.ts';
import { liveVpp } from './live.ts';
import { soak } from './soak.ts';
import { syntheticVpp } from './synthetic.ts';
import { syntheticPathPods } from './synthetic-path.ts';
import { syntheticProxy } from './synthetic-pods.ts';
import { findWrk, wrkPercentile, wrkRequestsPerSecond } from './wrk.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SIZES = [100, 1000, 10_000];

/** Median of repeated runs of `fn`, each run at least 50 ms of repetitions. */
function timeIt(fn: () => unknown, runs = 7): number {
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    let n = 0;
    const t0 = performance.now();
    do {
      fn();
      n++;
    } while (performance.now() - t0 < 50);
    samples.push((performance.now() - t0) / n);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}

function parseThroughput(): void {
  console.log('\n## Parse throughput (median, MB/s)\n');
  console.log('| interfaces | show interface | show interface addr | show tap | show errors |');
  console.log('|---|---|---|---|---|');
  for (const n of SIZES) {
    const t = syntheticVpp(n);
    const mbps = (text: string, parse: (s: string) => unknown) =>
      (Buffer.byteLength(text) / 1e6 / (timeIt(() => parse(text)) / 1000)).toFixed(0);
    console.log(
      `| ${n} | ${mbps(t['show interface'] as string, parseShowInterface)} | ${mbps(t['show interface addr'] as string, parseShowInterfaceAddr)} | ${mbps(t['show tap'] as string, parseShowTap)} | ${mbps(t['show errors'] as string, parseShowErrors)} |`,
    );
  }
}

async function cycleCost(): Promise<void> {
  console.log('\n## Cycle cost: text → snapshot → rendered exposition (median ms)\n');
  console.log(
    '| interfaces | counter cycle | full cycle (state too) | exposition size | series | per interface (full) |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const n of SIZES) {
    const source = new MemorySource();
    for (const [cmd, text] of Object.entries(syntheticVpp(n))) source.answers.set(cmd as never, text);
    const self = new SelfMetrics('bench');
    const run = async (stateIntervalMs: number) => {
      const c = new VppCollection(source, {
        node: 'bench',
        forwarder: 'fwd',
        commandTimeoutMs: 5000,
        stateIntervalMs,
        logger: pino({ level: 'silent' }),
      });
      const renderer = new VppRenderer();
      const samples: number[] = [];
      let text = Buffer.alloc(0);
      // 20 warm-up cycles (JIT), then 21 measured; an exporter runs thousands of cycles.
      for (let r = 0; r < 41; r++) {
        const t0 = performance.now();
        const snap = await c.collect(Date.now() + 60_000);
        for (const s of snap.commands) self.observeCommand({ source: 'vpp', forwarder: 'fwd' }, s);
        // As the cycle does: every renderer's byte ranges joined in one copy.
        text = Buffer.concat([...(await renderer.renderParts(snap)), Buffer.from(await self.render())]);
        if (r >= 20) samples.push(performance.now() - t0);
      }
      samples.sort((a, b) => a - b);
      return { ms: samples[10] as number, text };
    };
    const counters = await run(3_600_000);
    const full = await run(0);
    const series = full.text
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#')).length;
    console.log(
      `| ${n} | ${counters.ms.toFixed(2)} | ${full.ms.toFixed(2)} | ${(full.text.length / 1e6).toFixed(2)} MB | ${series} | ${((full.ms / n) * 1000).toFixed(1)} µs |`,
    );
  }
}

/** One load run from a second process: wrk when installed (C, light on the shared 2 cores), else autocannon. */
function load(url: string, gzip: boolean): { tool: string; rps: number; p50: string; p99: string } {
  const wrk = findWrk();
  if (wrk) {
    const args = ['-t1', '-c50', '-d10s', '--latency', ...(gzip ? ['-H', 'Accept-Encoding: gzip'] : []), url];
    const out = execFileSync(wrk, args, { encoding: 'utf8' });
    return {
      tool: 'wrk',
      rps: wrkRequestsPerSecond(out),
      p50: wrkPercentile(out, 50) ?? '?',
      p99: wrkPercentile(out, 99) ?? '?',
    };
  }
  const args = [join(ROOT, 'node_modules/autocannon/autocannon.js'), '-c', '50', '-d', '10', '-j'];
  if (gzip) args.push('-H', 'accept-encoding=gzip');
  const out = execFileSync(process.execPath, [...args, url], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const r = JSON.parse(out) as { requests: { average: number }; latency: { p50: number; p99: number } };
  return {
    tool: 'autocannon',
    rps: r.requests.average,
    p50: `${r.latency.p50}ms`,
    p99: `${r.latency.p99}ms`,
  };
}

async function waitUntilServing(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within 10 s`);
}

async function serving(): Promise<void> {
  console.log(
    '\n## Serving: compiled exporter in its own process, 50 connections for 10 s from a second process\n',
  );
  console.log(
    'Collection runs every 15 s during the load, as deployed. "node:http floor" serves the same bytes from a bare node:http server (bench/static-server.ts). One more exporter row at 1,000 interfaces runs with V8\'s defaults instead of the Dockerfile\'s node flags.\n',
  );
  const mb = (m: { rss: number; anon: number; file: number }) =>
    `${m.rss.toFixed(0)} MB (${m.anon.toFixed(0)} + ${m.file.toFixed(0)})`;
  // The memory floor: only the brief's runtime packages, started as the exporter starts them.
  const floors: string[] = [];
  for (let run = 0; run < 3; run++) {
    const port = await freePort();
    const floor = startWithDockerfileSettings(join(ROOT, 'bench/packages-floor.mjs'), [String(port)]);
    await waitUntilServing(`http://127.0.0.1:${port}/metrics`);
    floors.push(mb(residentMb(floor.pid as number)));
    floor.kill('SIGTERM');
  }
  console.log(
    `Packages floor (bench/packages-floor.mjs: fastify + pino listening, prom-client default metrics, a node-cron schedule; nothing of ours), RSS in 3 runs: ${floors.join(', ')}\n`,
  );
  console.log(
    '| interfaces | body | encoding | server | requests/s | p50 | p99 | RSS idle (anon + file) | RSS after load (anon + file) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const n of [100, 1000]) {
    const dir = mkdtempSync(join(tmpdir(), 'mpe-bench-'));
    mkdirSync(join(dir, 'vpp'));
    for (const [cmd, text] of Object.entries(syntheticVpp(n))) {
      writeFileSync(join(dir, 'vpp', `${commandSlug(cmd)}.txt`), text);
    }
    for (const gzip of [false, true]) {
      const encoding = gzip ? 'gzip' : 'identity';
      const serveAndLoad = async (v8Defaults = false) => {
        const port = await freePort();
        const args = [`--replay=${dir}`, `--web.listen-address=127.0.0.1:${port}`];
        const exporter = startCompiledExporter(args, { v8Defaults });
        const url = `http://127.0.0.1:${port}/metrics`;
        await waitUntilServing(url);
        const body = Buffer.from(await (await fetch(url)).arrayBuffer());
        const idle = residentMb(exporter.pid as number);
        const r = load(url, gzip);
        const loaded = residentMb(exporter.pid as number);
        exporter.kill('SIGTERM');
        const row = `${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${mb(idle)} | ${mb(loaded)}`;
        return { body, row, tool: r.tool };
      };
      const { body, row, tool } = await serveAndLoad();
      const size = `${(body.byteLength / 1e6).toFixed(2)} MB`;
      console.log(`| ${n} | ${size} | ${encoding} | exporter (${tool}) | ${row} |`);
      if (n === 1000 && gzip) {
        // The Dockerfile's node flags are tuned for a cycle every 15 s, not for this load: shown beside V8's defaults.
        const v8Default = await serveAndLoad(true);
        console.log(
          `| ${n} | ${size} | ${encoding} | exporter, V8's defaults (no node flags) | ${v8Default.row} |`,
        );
      }

      const bodyFile = join(dir, 'body.txt');
      writeFileSync(bodyFile, body);
      const floorPort = await freePort();
      const floor = spawn(
        process.execPath,
        [join(ROOT, 'bench/static-server.ts'), bodyFile, String(floorPort)],
        {
          stdio: 'ignore',
        },
      );
      const floorUrl = `http://127.0.0.1:${floorPort}/metrics`;
      await waitUntilServing(floorUrl);
      const f = load(floorUrl, gzip);
      console.log(
        `| ${n} | ${size} | ${encoding} | node:http floor | ${f.rps.toFixed(0)} | ${f.p50} | ${f.p99} | | |`,
      );
      floor.kill('SIGTERM');
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

async function pods(): Promise<void> {
  console.log('\n## Meridio pods: parse + render of one proxy (median of 21 after 20 warm-up, ms)\n');
  console.log('| VIP tables × nexthops (×2 families) | neighbours | FDB entries | JSON in | ms | series |');
  console.log('|---|---|---|---|---|---|');
  for (const [tables, nexthops, neighbors, fdb] of [
    [10, 2, 100, 100],
    [100, 8, 1000, 1000],
  ] as const) {
    const source = new MemoryPodSource();
    source.pods = [{ namespace: 'red', pod: 'proxy-bench', role: 'proxy' }];
    const answers = syntheticProxy(tables, nexthops, neighbors, fdb);
    for (const [id, text] of answers) source.set('proxy-bench', id, text);
    const bytes = [...answers.values()].reduce((n, t) => n + t.length, 0);
    const c = new PodCollection(source, {
      node: 'bench',
      commandTimeoutMs: 5000,
      includeLocal: false,
      logger: pino({ level: 'silent' }),
    });
    const samples: number[] = [];
    let out: Buffer = Buffer.alloc(0);
    for (let r = 0; r < 41; r++) {
      const t0 = performance.now();
      out = Buffer.concat(await renderPodParts(await c.collect(Date.now() + 60_000)));
      if (r >= 20) samples.push(performance.now() - t0);
    }
    samples.sort((a, b) => a - b);
    const series = out
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#')).length;
    console.log(
      `| ${tables} × ${nexthops} | ${neighbors} | ${fdb} | ${(bytes / 1e3).toFixed(0)} kB | ${(samples[10] as number).toFixed(2)} | ${series} |`,
    );
  }
  if (process.getuid?.() !== 0) {
    console.log('\n(real netns collection skipped: needs root)');
    return;
  }
  console.log('\n## One real collection of the guide topology through the netns source (4 pods, ms)\n');
  const topology = new GuideTopology(`mpe${process.pid}-bench`);
  try {
    topology.create();
    const targets = Object.values(topology.pods).map((p) => ({
      namespace: p.namespace,
      pod: p.pod,
      role: p.role,
      netns: topology.path(p),
    }));
    const c = new PodCollection(new NetnsPodSource({ pods: targets }), {
      node: 'bench',
      commandTimeoutMs: 5000,
      includeLocal: false,
      logger: pino({ level: 'silent' }),
    });
    const samples: number[] = [];
    for (let r = 0; r < 23; r++) {
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      Buffer.concat(await renderPodParts(await c.collect(Date.now() + 60_000)));
      const cpu = process.cpuUsage(cpu0);
      if (r >= 3) samples.push(performance.now() - t0);
      if (r === 22)
        console.log(
          `exporter CPU of the last collection: ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms (children not included)`,
        );
    }
    samples.sort((a, b) => a - b);
    console.log(
      `| pods | processes per pod | median | p90 |\n|---|---|---|---|\n| 4 | 5 (4 ip -batch + 1 bridge) | ${(samples[10] as number).toFixed(1)} | ${(samples[18] as number).toFixed(1)} |`,
    );
  } finally {
    topology.destroy();
  }
}

console.log(
  `# meridio-path-exporter bench (node ${process.version}, ${(await import('node:os')).cpus().length} cores)`,
);
// `npm run bench -- cycle` (or parse, serving, pods, path, cluster, live, auth) runs one part only; `soak` runs only when named.
async function pathCorrelation(): Promise<void> {
  console.log('\n## Path correlation per cycle (median, ms)\n');
  console.log(
    '| VPP interfaces | pods | links | nodes | correlate | + link/node metrics | diagram SVG | series |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [n, podCount] of [
    [100, 10],
    [1000, 100],
    [10_000, 100],
  ] as const) {
    const source = new MemorySource();
    for (const [command, text] of Object.entries(syntheticVpp(n))) source.answers.set(command as never, text);
    const vpp = await new VppCollection(source, {
      node: 'bench',
      forwarder: 'bench',
      commandTimeoutMs: 60_000,
      stateIntervalMs: 60_000,
      logger: pino({ level: 'silent' }),
    }).collect(Date.now() + 60_000);
    const pods = syntheticPathPods(n, podCount);
    const first = correlatePath({ node: 'bench', vpp, pods });
    const previousTraffic = trafficOf(first);
    const input = { node: 'bench', vpp, pods, previousTraffic };
    const correlate = timeIt(() => correlatePath(input));
    const withMetrics = timeIt(() => Buffer.concat(renderPathMetricParts(correlatePath(input))));
    const svg = timeIt(() => renderPathSvg(first));
    const series = Buffer.concat(renderPathMetricParts(first))
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#')).length;
    console.log(
      `| ${n} | ${podCount} | ${first.links.length} | ${first.nodes.length} | ${correlate.toFixed(2)} | ${withMetrics.toFixed(2)} | ${svg.toFixed(2)} | ${series} |`,
    );
  }
}

const only = process.argv[2];
if (!only || only === 'parse') parseThroughput();
if (!only || only === 'cycle') await cycleCost();
if (!only || only === 'serving') await serving();
if (!only || only === 'pods') await pods();
if (!only || only === 'path') await pathCorrelation();
if (!only || only === 'cluster') await clusterModes();
if (!only || only === 'live') await liveVpp();
if (!only || only === 'auth') await basicAuthUnderAttack();
// Long by design: only when asked for.
if (only === 'soak') await soak(process.argv[3]);
if (only === 'cost') await nodeCost();
