import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/prometheus.ts';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return { child, output: () => out };
}

describe('the meridio-path-exporter process', () => {
  it('refuses a bad configuration with exit code 2 and names the setting', async () => {
    const { child, output } = run(['--collect.interval=7s']);
    const [code] = await once(child, 'exit');
    assert.equal(code, 2);
    assert.match(output(), /--collect.interval="7s"/);
  });

  it('prints its help with every flag', async () => {
    const { child, output } = run(['--help']);
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
    assert.match(output(), /--web.listen-address=HOST:PORT/);
    assert.match(output(), /--vpp-cli-socket=PATH/);
  });

  it('serves the demo, logs JSON, and shuts down cleanly on SIGTERM', async () => {
    const port = await freePort();
    const { child, output } = run([`--web.listen-address=127.0.0.1:${port}`, '--log.format=json']);
    const deadline = Date.now() + 20_000;
    let ready = false;
    while (!ready && Date.now() < deadline) {
      ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (!ready) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(ready, output());
    const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(
      body,
      /vpp_interface_tx_packets_total\{node="worker-a",forwarder="forwarder-vpp-worker-a",interface="tap3"\} 37/,
    );
    const t0 = Date.now();
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
    assert.ok(Date.now() - t0 < 5000);
    const firstLog = JSON.parse(
      output()
        .split('\n')
        .find((l) => l.startsWith('{')) ?? '{}',
    ) as { level?: string };
    assert.equal(firstLog.level, 'info', 'levels as words');
  });
});
