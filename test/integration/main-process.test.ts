import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/prometheus.ts';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
function run(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
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

  it('refuses an invalid web configuration file with exit code 2 and every problem in it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpe-webcfg-'));
    try {
      const file = join(dir, 'web.yml');
      writeFileSync(
        file,
        'basic_auth_users:\n  prometheus: secret\ntls_server_config:\n  cert_file: a.crt\n',
      );
      const { child, output } = run(['--demo=worker-a', `--web.config.file=${file}`]);
      const [code] = await once(child, 'exit');
      assert.equal(code, 2, output());
      assert.match(output(), /--web.config.file: .*basic_auth_users\.prometheus: expected a bcrypt hash/);
      assert.match(output(), /--web.config.file: .*tls_server_config: missing one of key or key_file/);
      assert.doesNotMatch(output(), /at .*\.ts:\d+/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start without a source, with exit code 2 and the list of sources', async () => {
    const { child, output } = run([]);
    const [code] = await once(child, 'exit');
    assert.equal(code, 2);
    assert.match(output(), /no source to read: give --vpp-cli-socket PATH/);
  });

  it("runs the path command after npm start's own --demo, which yields to a source of the command", async () => {
    const demo = run(['--demo=worker-a', 'path', '--vip', '20.0.0.1']);
    const [code] = await once(demo.child, 'exit');
    assert.equal(code, 0, demo.output());
    assert.match(demo.output(), /^path of worker-a /m);
    const other = run([
      '--demo=worker-a',
      'path',
      '--demo=worker-b',
      '--from',
      'stateless-lb-frontend-attractor-a-1-jkl',
    ]);
    await once(other.child, 'exit');
    assert.match(other.output(), /^path of worker-b /m);
  });

  it("lets npm start's own --demo yield to a source given after it", async () => {
    const { child, output } = run(['--demo=worker-a', '--replay=/nonexistent-recording']);
    const [code] = await once(child, 'exit');
    assert.equal(code, 2);
    assert.match(output(), /--replay="\/nonexistent-recording": no such directory/);
    assert.doesNotMatch(output(), /choose one source/);
  });

  it('prints its help with every flag', async () => {
    const { child, output } = run(['--help']);
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
    assert.match(output(), /--web.listen-address=HOST:PORT/);
    assert.match(output(), /--vpp-cli-socket=PATH/);
  });

  it(`serves the demo, logs JSON, and shuts down cleanly on SIGTERM`, async () => {
    const port = await freePort();
    const { child, output } = run([
      '--demo=worker-a',
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.format=json',
    ]);
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
    assert.ok(Date.now() - t0 < 2000, `stopped in ${Date.now() - t0} ms`);
    const listening = JSON.parse(
      output()
        .split('\n')
        .find((l) => l.startsWith('{') && l.includes('meridio-path-exporter listening')) ?? '{}',
    ) as { level?: string };
    assert.equal(listening.level, 'info', 'levels as words');
  });

  it('refuses a port in use with exit code 2, naming --web.listen-address', async () => {
    const port = await freePort();
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(port, '127.0.0.1', r));
    try {
      const { child, output } = run(['--demo=worker-a', `--web.listen-address=127.0.0.1:${port}`]);
      const [code] = await once(child, 'exit');
      assert.equal(code, 2, output());
      assert.match(
        output(),
        new RegExp(`--web.listen-address=127.0.0.1:${port}: port ${port} is already in use`),
      );
      assert.doesNotMatch(output(), /\n\s+at /, 'no stack trace');
    } finally {
      holder.close();
    }
  });

  it('listens on IPv4 and IPv6 for :PORT', async () => {
    assert.ok(
      networkInterfaces().lo?.some((a) => a.family === 'IPv6'),
      'this test needs the IPv6 loopback (::1), which Linux has unless IPv6 is disabled',
    );
    const port = await freePort();
    const { child, output } = run(['--demo=worker-a', `--web.listen-address=:${port}`]);
    try {
      await waitReady(`http://127.0.0.1:${port}`, output);
      assert.ok((await fetch(`http://[::1]:${port}/healthz`)).ok, 'reachable over IPv6');
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it(`exits 0 within 2 s on SIGTERM during a first cycle that waits on a hung VPP`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpe-hang-'));
    const sock = join(dir, 'cli.sock');
    const held: Socket[] = [];
    // Accepts and never answers: every command waits for its whole timeout.
    const hung = createServer((c) => held.push(c));
    await new Promise<void>((r) => hung.listen(sock, r));
    try {
      const port = await freePort();
      const { child, output } = run([
        `--web.listen-address=127.0.0.1:${port}`,
        `--vpp-cli-socket=${sock}`,
        '--collect.command-timeout=10s',
        '--collect.interval=30s',
      ]);
      await waitFor(() => held.length > 0, 10_000, output);
      const t0 = Date.now();
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      assert.equal(code, 0, output());
      assert.ok(Date.now() - t0 < 2000, `stopped in ${Date.now() - t0} ms`);
    } finally {
      for (const c of held) c.destroy();
      hung.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(`exits 0 within 2 s on SIGTERM while a client holds a half-sent request`, async () => {
    const port = await freePort();
    const { child, output } = run(['--demo=worker-a', `--web.listen-address=127.0.0.1:${port}`]);
    await waitReady(`http://127.0.0.1:${port}`, output);
    const client = connect(port, '127.0.0.1');
    await once(client, 'connect');
    client.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
    client.on('error', () => {});
    const t0 = Date.now();
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    client.destroy();
    assert.equal(code, 0, output());
    assert.ok(Date.now() - t0 < 2000, `stopped in ${Date.now() - t0} ms`);
  });

  it("warns when started without the image's glibc memory setting, and not with it", async () => {
    const { MALLOC_MMAP_THRESHOLD_: _, ...bare } = process.env;
    for (const [env, warned] of [
      [bare, true],
      [{ ...bare, MALLOC_MMAP_THRESHOLD_: '131072' }, false],
    ] as const) {
      const port = await freePort();
      const { child, output } = run(
        ['--demo=worker-a', `--web.listen-address=127.0.0.1:${port}`, '--log.format=json'],
        env,
      );
      try {
        await waitReady(`http://127.0.0.1:${port}`, output);
        assert.equal(/MALLOC_MMAP_THRESHOLD_ is not set/.test(output()), warned, output());
      } finally {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    }
  });
});

async function waitFor(
  check: () => boolean | Promise<boolean>,
  ms: number,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`not within ${ms} ms:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function waitReady(base: string, output: () => string): Promise<void> {
  return waitFor(
    () =>
      fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      ),
    20_000,
    output,
  );
}
