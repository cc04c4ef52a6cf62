// What the agent costs a node, side by side with node_exporter and vpp_prometheus_export in one run
// (root; the VPP bundle; Debian's prometheus-node-exporter). Every process is scraped every 15 s
// with gzip and keep-alive, as Prometheus does; CPU is the process's and its reaped children's
// (utime + stime + cutime + cstime from /proc/<pid>/stat) over one window after a warm-up.
// Run: npm run bench -- cost   (MPE_BENCH_COST_WINDOW_S, MPE_BENCH_COST_WARMUP_S)
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveVpp } from '../test/support/live-vpp.ts';
import { GuideTopology, removeStaleNamespaces, type TopologyPod } from '../test/support/netns-topology.ts';
import { freePort } from '../test/support/prometheus.ts';
import { residentMb, startCompiledExporter } from './compiled-exporter.ts';
import { vppPrometheusExportArgs } from './live.ts';

const WINDOW_S = Number(process.env.MPE_BENCH_COST_WINDOW_S ?? 240);
const WARMUP_S = Number(process.env.MPE_BENCH_COST_WARMUP_S ?? 30);
const SCRAPE_EVERY_MS = 15_000;
/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ; 100 on every Linux this runs on). */
const USER_HZ = 100;
/** Pods per topology: the guide's proxy, two frontends and a target. */
const GUIDE_PODS = 4;
const MANY_TOPOLOGIES = 5;
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const NS_BASE = 'mpecost';

interface Measured {
  name: string;
  pid: number;
  url: string;
  startTicks?: number;
  scrapes: number;
  failures: number;
}

/** CPU seconds of a process and its reaped children so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  return ticks / USER_HZ;
}

/** One scrape as Prometheus makes it: gzip, keep-alive, a 10 s timeout. */
function scrape(url: string, agent: Agent): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { agent, headers: { 'accept-encoding': 'gzip' }, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitUp(url: string, child: ChildProcess): Promise<void> {
  const agent = new Agent();
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    if (await scrape(url, agent)) return;
    await sleep(100);
  }
  throw new Error(`${url} did not answer within 60 s`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function vppWith(name: string, interfaces: number): Promise<LiveVpp> {
  const vpp = await LiveVpp.start({ name, extraStartup: 'statseg { size 64M page-size 4k }' });
  // local0 is one of them.
  vpp.loopbacks(interfaces - 1, { up: true });
  return vpp;
}

function podFlag(pods: readonly { pod: TopologyPod; name: string }[], topology: GuideTopology): string {
  return pods.map(({ pod, name }) => `${pod.namespace}/${name}:${pod.role}=${topology.path(pod)}`).join(',');
}

/** The V8 CPU profile's self time by function, the top entries, and what share of it each holds. */
function profileSummary(dir: string, skipS: number): string[] {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return ['(no profile was written)'];
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<string, number>();
  let total = 0;
  let at = 0;
  p.samples.forEach((id, i) => {
    const f = byId.get(id);
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    at += dt;
    // Start-up (loading modules, the first reads) is not what a node pays every cycle.
    if (at < skipS * 1000 || !f || f.functionName === '(idle)') return;
    const where = f.url ? `${f.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  const windowS = at / 1000 - skipS;
  const lines = [
    `busy ${total.toFixed(0)} ms in ${windowS.toFixed(0)} s after the first ${skipS} s (${(total / windowS).toFixed(2)} ms/s, ${((total / windowS) * 15).toFixed(1)} ms per 15 s cycle); top self time:`,
    '',
    '| function | where | ms | share |',
    '|---|---|---|---|',
  ];
  for (const [key, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
    const [fn, ...where] = key.split(' ');
    lines.push(`| ${fn} | ${where.join(' ')} | ${ms.toFixed(0)} | ${((100 * ms) / total).toFixed(1)} % |`);
  }
  return lines;
}

export async function nodeCost(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('\n## Cost on a node: skipped (needs root: VPP and network namespaces)\n');
    return;
  }
  if (!existsSync(NODE_EXPORTER)) throw new Error(`${NODE_EXPORTER} is missing: run scripts/bench-tools.sh`);
  removeStaleNamespaces(NS_BASE);
  const children: ChildProcess[] = [];
  const vpps: LiveVpp[] = [];
  const topologies: GuideTopology[] = [];
  const profileDir = mkdtempSync(join(tmpdir(), 'mpe-cost-prof-'));
  try {
    const small = await vppWith('cost200', 200);
    vpps.push(small);
    const large = await vppWith('cost1000', 1000);
    vpps.push(large);
    for (let i = 0; i < MANY_TOPOLOGIES; i++) {
      const t = new GuideTopology(`${NS_BASE}${process.pid}-${i}`);
      t.create();
      topologies.push(t);
    }
    const named = (t: GuideTopology, i: number) =>
      Object.values(t.pods).map((pod) => ({ pod, name: `${pod.pod}-${i}` }));
    const guide = podFlag(named(topologies[0] as GuideTopology, 0), topologies[0] as GuideTopology);
    const many = topologies.map((t, i) => podFlag(named(t, i), t)).join(',');
    const measured: Measured[] = [];
    const exporter = async (name: string, args: string[], nodeFlags: string[] = []) => {
      const port = await freePort();
      const child = startCompiledExporter(
        [...args, `--web.listen-address=127.0.0.1:${port}`, '--node=bench'],
        { extraNodeFlags: nodeFlags },
      );
      children.push(child);
      const url = `http://127.0.0.1:${port}/metrics`;
      await waitUp(url, child);
      measured.push({ name, pid: child.pid as number, url, scrapes: 0, failures: 0 });
      return child;
    };
    const vpe = async (name: string, vpp: LiveVpp) => {
      const port = await freePort();
      const child = spawn('ip', vppPrometheusExportArgs(vpp, port), { stdio: 'ignore' });
      children.push(child);
      await sleep(1000);
      // Reached from the root namespace through a one-shot `ip netns exec` would cost the client, not
      // it; its CPU is what is measured, so it is scraped from inside: see the scraper below.
      measured.push({
        name,
        pid: child.pid as number,
        url: `netns:${vpp.netns}:${port}`,
        scrapes: 0,
        failures: 0,
      });
    };
    await exporter('the exporter, VPP only, 200 interfaces', [`--vpp-cli-socket=${small.cliSocket}`]);
    await exporter(`the exporter, VPP (200) + the guide's ${GUIDE_PODS} pods`, [
      `--vpp-cli-socket=${small.cliSocket}`,
      `--netns.pods=${guide}`,
    ]);
    await exporter(`the exporter, VPP (200) + ${GUIDE_PODS * MANY_TOPOLOGIES} pods`, [
      `--vpp-cli-socket=${small.cliSocket}`,
      `--netns.pods=${many}`,
    ]);
    await exporter('the exporter, VPP only, 1,000 interfaces', [`--vpp-cli-socket=${large.cliSocket}`]);
    await vpe('`vpp_prometheus_export`, 200 interfaces', small);
    await vpe('`vpp_prometheus_export`, 1,000 interfaces', large);
    {
      const port = await freePort();
      const child = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
      children.push(child);
      const url = `http://127.0.0.1:${port}/metrics`;
      await waitUp(url, child);
      measured.push({
        name: "node_exporter (Debian's, defaults)",
        pid: child.pid as number,
        url,
        scrapes: 0,
        failures: 0,
      });
    }
    // A profiled twin of the guide row, outside the table: profiling costs CPU of its own.
    const twins = [
      { name: 'VPP only, 200 interfaces', args: [`--vpp-cli-socket=${small.cliSocket}`] },
      {
        name: "VPP (200) + the guide's pods",
        args: [`--vpp-cli-socket=${small.cliSocket}`, `--netns.pods=${guide}`],
      },
    ];
    const profiledRows: Measured[] = [];
    const profiledChildren: ChildProcess[] = [];
    for (const [i, twin] of twins.entries()) {
      const dir = join(profileDir, String(i));
      profiledChildren.push(await exporter(twin.name, twin.args, [`--cpu-prof`, `--cpu-prof-dir=${dir}`]));
      profiledRows.push(measured.pop() as Measured);
    }

    // Scrape every target every 15 s; vpp_prometheus_export inside VPP's namespace by a long-lived
    // client there (a process per scrape would be counted nowhere but would disturb the machine).
    const agents = new Map(measured.map((m) => [m, new Agent({ keepAlive: true })]));
    const inNetns = measured.filter((m) => m.url.startsWith('netns:'));
    const netnsClients = inNetns.map((m) => {
      const [, ns, port] = m.url.split(':');
      const script = `const http=require('node:http');setInterval(()=>{const r=http.get('http://127.0.0.1:${port}/metrics',{headers:{'accept-encoding':'gzip'}},(s)=>{s.resume()});r.on('error',()=>{})},${SCRAPE_EVERY_MS});`;
      const child = spawn('ip', ['netns', 'exec', ns as string, process.execPath, '-e', script], {
        stdio: 'ignore',
      });
      children.push(child);
      return child;
    });
    let scraping = true;
    const scraper = (async () => {
      while (scraping) {
        await Promise.all(
          [...measured, ...profiledRows]
            .filter((m) => !m.url.startsWith('netns:'))
            .map(async (m) => {
              const ok = await scrape(m.url, agents.get(m) ?? new Agent({ keepAlive: true }));
              m.scrapes++;
              if (!ok) m.failures++;
            }),
        );
        await sleep(SCRAPE_EVERY_MS);
      }
    })();
    await sleep(WARMUP_S * 1000);
    const before = measured.map((m) => cpuSeconds(m.pid));
    const scrapesBefore = measured.map((m) => m.scrapes);
    await sleep(WINDOW_S * 1000);
    const after = measured.map((m) => cpuSeconds(m.pid));
    const rss = measured.map((m) => residentMb(m.pid).rss);
    scraping = false;
    for (const c of netnsClients) c.kill('SIGKILL');
    await scraper;
    const millicores = measured.map(
      (_, i) => (((after[i] as number) - (before[i] as number)) / WINDOW_S) * 1000,
    );

    console.log(
      `\n## Cost on a node: CPU and memory over ${WINDOW_S} s after ${WARMUP_S} s, scraped every 15 s (gzip, keep-alive)\n`,
    );
    console.log(
      `Defaults: 15 s cycle, 60 s state commands. Two real VPPs (200 and 1,000 interfaces: loopbacks up, local0), ${MANY_TOPOLOGIES} copies of the guide's pods in network namespaces (read with --netns.pods). CPU of the process and its reaped children (/proc/<pid>/stat), in millicores; RSS at the end of the window.\n`,
    );
    console.log('| agent | millicores | RSS | scrapes (failed) in the window |');
    console.log('|---|---|---|---|');
    measured.forEach((m, i) => {
      const scrapes = m.url.startsWith('netns:')
        ? '(from its namespace)'
        : `${m.scrapes - (scrapesBefore[i] as number)} (${m.failures})`;
      console.log(
        `| ${m.name} | ${(millicores[i] as number).toFixed(2)} | ${(rss[i] as number).toFixed(1)} MB | ${scrapes} |`,
      );
    });
    const [vppOnly, guidePods, manyPods] = millicores as [number, number, number];
    console.log(
      `\nPer pod: ${((guidePods - vppOnly) / GUIDE_PODS).toFixed(2)} millicores with the guide's ${GUIDE_PODS}, ${((manyPods - vppOnly) / (GUIDE_PODS * MANY_TOPOLOGIES)).toFixed(2)} with ${GUIDE_PODS * MANY_TOPOLOGIES}.`,
    );
    for (const [i, twin] of twins.entries()) {
      // The profile is written when the process exits.
      await stop(profiledChildren[i] as ChildProcess);
      console.log(
        `\n### Where a profiled twin of "${twin.name}" spends its serving thread's CPU (V8's --cpu-prof)\n`,
      );
      for (const line of profileSummary(join(profileDir, String(i)), WARMUP_S)) console.log(line);
    }
  } finally {
    await Promise.all(children.map(stop));
    for (const t of topologies) t.destroy();
    await Promise.all(vpps.map((v) => v.stop()));
    rmSync(profileDir, { recursive: true, force: true });
  }
}
