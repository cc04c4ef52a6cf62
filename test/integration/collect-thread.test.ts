import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { RunningExporter } from '../../src/exporter.ts';
import { runCycle, startTestExporter } from '../support/exporter.ts';
import { demoVpp } from '../support/fixtures.ts';
import { VppCliPeer } from '../support/vpp-cli-peer.ts';

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
});
