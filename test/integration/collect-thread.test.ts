import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SLOT_LIMIT } from '../../src/cycle/exposition-slots.ts';
import type { RunningExporter } from '../../src/exporter.ts';
import { runCycle, startTestExporter } from '../support/exporter.ts';
import { demoVpp } from '../support/fixtures.ts';
import { VppCliPeer } from '../support/vpp-cli-peer.ts';
import { showInterfaceText } from '../support/vpp-format.ts';

const running: RunningExporter[] = [];
after(async () => {
  for (const e of running) await e.stop();
});

async function start(argv: string[]): Promise<RunningExporter> {
  const e = await startTestExporter(argv);
  running.push(e);
  return e;
}

const body = async (e: RunningExporter) => (await fetch(`${e.url}/metrics`)).text();

/** Series whose values differ from one run to the next (timings, the process's own figures). */
const VARYING =
  /^(# (HELP|TYPE) )?(process_|nodejs_|meridio_path_exporter_(collect_duration_seconds|cycle_duration_seconds|last_success_timestamp_seconds))/;
const stable = (text: string) =>
  text
    .split('\n')
    .filter((l) => !VARYING.test(l))
    .join('\n');

describe('collection in a worker thread (--collect.thread=worker)', () => {
  it('publishes the same exposition and traffic path as collection on the serving thread', async () => {
    const main = await start(['--demo=worker-a']);
    const worker = await start(['--demo=worker-a', '--collect.thread=worker']);
    const [a, b] = [await body(main), await body(worker)];
    assert.equal(stable(b), stable(a));
    assert.match(b, /^vpp_interface_tx_packets_total\{[^}]*interface="tap3"\} 37$/m);
    // The process families come once, from the serving thread, after the collection's.
    for (const text of [a, b]) {
      assert.equal(text.match(/^# TYPE process_resident_memory_bytes /gm)?.length, 1);
      assert.equal(text.match(/^# TYPE nodejs_eventloop_lag_seconds /gm)?.length, 1);
      assert.ok(text.indexOf('meridio_path_exporter_cycles_total') < text.indexOf('process_cpu'));
    }
    const path = async (e: RunningExporter) => {
      const graph = (await (await fetch(`${e.url}/api/v1/path`)).json()) as { generatedAt?: string };
      delete graph.generatedAt;
      return graph;
    };
    assert.deepEqual(await path(worker), await path(main));
    assert.equal((await fetch(`${worker.url}/readyz`)).status, 200);
    const summary = await runCycle(worker);
    assert.equal(worker.collector.cycles, 2);
    assert.equal(summary.pods.length, 3);
    assert.ok(summary.vppCommands?.some((c) => c.command === 'show interface' && c.state === 'ok'));
    assert.match(await body(worker), /^meridio_path_exporter_cycles_total\{node="worker-a"\} 2$/m);
  });

  it("runs at nice 10 with V8's helper threads, while the serving thread keeps its priority", async () => {
    await start(['--demo=worker-a', '--collect.thread=worker']);
    const threads = readdirSync('/proc/self/task').map((task) => ({
      name: readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim(),
      nice: getPriority(Number(task)),
    }));
    const niceOf = (name: string) => threads.filter((t) => t.name === name).map((t) => t.nice);
    assert.ok(niceOf('collection').length > 0, 'a thread named collection runs');
    assert.ok(niceOf('collection').every((n) => n === 10));
    assert.ok(niceOf('V8Worker').length > 0, "V8's platform threads are named V8Worker");
    assert.ok(niceOf('V8Worker').every((n) => n === 10));
    // getPriority() without a pid is the calling thread: this one, which serves.
    assert.ok(getPriority() < 10, `the serving thread runs at nice ${getPriority()}`);
  });

  it('stops within its grace while a cycle waits on a hung VPP, and keeps serving until then', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpe-thread-'));
    const sock = join(dir, 'cli.sock');
    const peer = new VppCliPeer(sock, {
      responses: {
        'show interface': demoVpp('worker-a', 'show-interface'),
        'show interface addr': demoVpp('worker-a', 'show-interface-addr'),
      },
    });
    await peer.start();
    try {
      const e = await startTestExporter([
        `--vpp-cli-socket=${sock}`,
        '--node=worker-a',
        '--collect.thread=worker',
        '--collect.command-timeout=10s',
        '--collect.interval=30s',
      ]);
      assert.match(await body(e), /^vpp_interface_rx_packets_total\{/m);
      peer.behaviour.hang = true;
      const stuck = e.collector.runCycle();
      await new Promise((r) => setTimeout(r, 300));
      assert.match(await body(e), /^vpp_interface_rx_packets_total\{/m, 'the last cycle is served meanwhile');
      assert.equal((await fetch(`${e.url}/healthz`)).status, 200);
      const t0 = Date.now();
      await e.stop();
      const took = Date.now() - t0;
      assert.ok(took < 2000, `stopped in ${took} ms`);
      assert.equal(await stuck, undefined, 'the cycle cut short by the stop reports no summary');
    } finally {
      await peer.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports the serving thread's web configuration reloads in the worker's exposition", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpe-thread-web-'));
    const file = join(dir, 'web.yml');
    writeFileSync(file, 'http_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n');
    try {
      const e = await startTestExporter(
        ['--demo=worker-a', '--collect.thread=worker', `--web.config.file=${file}`],
        { webConfigWatchMs: 50 },
      );
      running.push(e);
      const reload = /^meridio_path_exporter_web_config_last_reload_successful\{node="worker-a"\} (\d)$/m;
      const res = await fetch(`${e.url}/metrics`);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(reload.exec(await res.text())?.[1], '1');
      writeFileSync(file, 'http_server_config:\n  nonsense: true\n');
      const deadline = Date.now() + 5000;
      let value: string | undefined;
      while (value !== '0' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        await runCycle(e);
        value = reload.exec(await body(e))?.[1];
      }
      assert.equal(value, '0', 'a refused reload shows at the next cycle');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the bytes of a response a slow client is still reading while later cycles are published', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpe-thread-slow-'));
    const sock = join(dir, 'cli.sock');
    // Large enough (≈ 12 MB of exposition) that the kernel's socket buffers cannot take the whole body:
    // the rest stays in the exporter's shared slot until the client reads on.
    const interfaces = Array.from({ length: 12_000 }, (_, k) => ({
      name: `loop${k}`,
      swIfIndex: k + 1,
      state: 'up',
      mtu: '9000/0/0/0',
      counters: [
        ['rx packets', 1000 + k],
        ['rx bytes', 64_000 + k],
        ['tx packets', 2000 + k],
        ['tx bytes', 128_000 + k],
        ['drops', k],
      ] as [string, number][],
    }));
    const peer = new VppCliPeer(sock, { responses: { 'show interface': showInterfaceText(interfaces) } });
    await peer.start();
    const e = await start([
      `--vpp-cli-socket=${sock}`,
      '--node=worker-a',
      '--collect.thread=worker',
      '--collect.interval=30s',
    ]);
    try {
      const reference = Buffer.from(await (await fetch(`${e.url}/metrics`)).arrayBuffer());
      assert.ok(reference.length > 10_000_000, `exposition of ${reference.length} bytes`);
      // A client that sends its request and then stops reading.
      const { port } = new URL(e.url);
      const client = connect(Number(port), '127.0.0.1');
      const chunks: Buffer[] = [];
      client.on('data', (c: Buffer) => chunks.push(c));
      client.pause();
      client.write('GET /metrics HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n');
      await new Promise((r) => setTimeout(r, 300));
      // Cycles go on: each publishes a new exposition (its cycle count differs) into the slots.
      for (let i = 0; i < 2 * SLOT_LIMIT; i++) await runCycle(e);
      const latest = await (await fetch(`${e.url}/metrics`)).text();
      assert.match(
        latest,
        new RegExp(`^meridio_path_exporter_cycles_total\\{node="worker-a"\\} ${2 * SLOT_LIMIT + 1}$`, 'm'),
      );
      const ended = new Promise((r) => client.once('end', r));
      client.resume();
      await ended;
      const response = Buffer.concat(chunks);
      const headerEnd = response.indexOf('\r\n\r\n');
      assert.match(response.subarray(0, headerEnd).toString(), /^HTTP\/1\.1 200/);
      const received = response.subarray(headerEnd + 4);
      assert.equal(received.length, reference.length);
      assert.ok(received.equals(reference), 'the slow client got the exposition of its own cycle, unchanged');
    } finally {
      await peer.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
