import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SourceError } from '../../../src/sources/source-error.ts';
import { VppCliSocketSource } from '../../../src/sources/vpp-cli/vpp-cli-socket.ts';
import { ForbiddenCommandError, type VppCommand } from '../../../src/sources/vpp-commands.ts';
import { demoVpp } from '../../support/fixtures.ts';
import { VppCliPeer } from '../../support/vpp-cli-peer.ts';
import { showInterfaceText } from '../../support/vpp-format.ts';

const VERSION = 'vpp v26.06-release built by root on vm at 2026-11-22T16:42:23\n';
const dir = mkdtempSync(join(tmpdir(), 'mpe-cli-'));
const path = join(dir, 'cli.sock');

async function rejectsWith(p: Promise<unknown>, reason: string): Promise<SourceError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SourceError, String(err));
    assert.equal(err.reason, reason, err.message);
    return err;
  }
  assert.fail(`expected a ${reason} failure`);
}

describe('VppCliSocketSource against a VPP CLI peer', () => {
  const peer = new VppCliPeer(path, { responses: {} });
  const source = new VppCliSocketSource({ socketPath: path, greetingWaitMs: 200 });
  before(() => peer.start());
  after(async () => {
    await peer.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    peer.behaviour = { responses: { 'show version': VERSION } };
    peer.received.length = 0;
  });

  it('speaks the protocol byte for byte like vppctl: TTYPE vppctl, "<cmd>\\n\\0", quit after the NUL', async () => {
    const out = await source.run('show version', 2000);
    assert.deepEqual(out, {
      kind: 'text',
      text: 'vpp v26.06-release built by root on vm at 2026-11-22T16:42:23\r\n',
    });
    const sent = peer.receivedBytes();
    assert.equal(
      sent.toString('hex'),
      Buffer.concat([
        Buffer.from([0xff, 0xfa, 0x18, 0x00]),
        Buffer.from('vppctl'),
        Buffer.from([0xff, 0xf0]),
        Buffer.from('show version\n\0'),
        Buffer.from('quit\n'),
      ]).toString('hex'),
    );
  });

  it('reassembles a large output sent in 100-byte and in 1-byte chunks', async () => {
    const big = showInterfaceText(
      Array.from({ length: 300 }, (_, k) => ({
        name: `tap${k}`,
        swIfIndex: k,
        state: 'up',
        mtu: '1500/1500/1500/1500',
        counters: [['rx packets', k + 1] as [string, number]],
      })),
      '\n',
    );
    peer.behaviour = { responses: { 'show interface': big }, chunkSize: 100 };
    const a = await source.run('show interface', 5000);
    assert.equal(a.kind === 'text' && a.text, big.replace(/\n/g, '\r\n'));
    peer.behaviour = {
      responses: { 'show interface': demoVpp('worker-a', 'show-interface') },
      chunkSize: 1,
      splitGreeting: true,
    };
    const b = await source.run('show interface', 5000);
    assert.equal(b.kind === 'text' && b.text, demoVpp('worker-a', 'show-interface').replace(/\n/g, '\r\n'));
  });

  it('keeps reading past a NUL embedded in the output until VPP closes', async () => {
    peer.behaviour = { responses: { 'show errors': 'Thread 0 (vpp_main\u0000):\nrow after the NUL\n' } };
    const out = await source.run('show errors', 2000);
    assert.equal(out.kind === 'text' && out.text, 'Thread 0 (vpp_main):\r\nrow after the NUL\r\n');
  });

  it('keeps 0xff bytes in the output as data once the greeting is over', async () => {
    peer.behaviour = { responses: { 'show version': 'vpp v1 \u00ff\u00fb\u0001 x\n' } };
    const out = await source.run('show version', 2000);
    assert.equal(out.kind === 'text' && out.text.includes('\ufffd'), true);
    assert.equal(out.kind === 'text' && out.text.endsWith(' x\r\n'), true);
  });

  it('strips a banner and prompt that an old VPP leaks into a vppctl session', async () => {
    peer.behaviour = { responses: { 'show version': VERSION }, leakBanner: true };
    const out = await source.run('show version', 3000);
    assert.equal(out.kind === 'text' && out.text.replace(/\r/g, ''), VERSION);
  });

  it('sends the command without TTYPE to a server in cli-line-mode (no greeting)', async () => {
    peer.behaviour = { responses: { 'show version': VERSION }, lineMode: true };
    const out = await source.run('show version', 3000);
    assert.equal(out.kind === 'text' && out.text, VERSION.replace('\n', '\r\n'));
  });

  it('times out on a server that never answers, within the deadline', async () => {
    peer.behaviour = { responses: {}, hang: true };
    const t0 = Date.now();
    await rejectsWith(source.run('show version', 300), 'timeout');
    const took = Date.now() - t0;
    assert.ok(took >= 290 && took < 1500, `took ${took} ms`);
  });

  it('fails with closed-early when VPP closes in the middle of the output', async () => {
    peer.behaviour = {
      responses: { 'show interface': demoVpp('worker-a', 'show-interface') },
      closeAfterBytes: 120,
    };
    await rejectsWith(source.run('show interface', 2000), 'closed-early');
  });

  it('fails with too-large past the output cap', async () => {
    const small = new VppCliSocketSource({ socketPath: path, maxOutputBytes: 100 });
    peer.behaviour = { responses: { 'show interface': demoVpp('worker-a', 'show-interface') } };
    await rejectsWith(small.run('show interface', 2000), 'too-large');
  });

  it('refuses commands outside the allowlist without connecting', async () => {
    const before = peer.connections;
    await assert.rejects(
      source.run('set interface state tap0 down' as VppCommand, 1000),
      ForbiddenCommandError,
    );
    await assert.rejects(source.run('show version\nexec /tmp/x' as VppCommand, 1000), ForbiddenCommandError);
    assert.equal(peer.connections, before);
  });
});

describe('VppCliSocketSource when VPP is absent or restarts', () => {
  const restartDir = mkdtempSync(join(tmpdir(), 'mpe-cli-r-'));
  const sock = join(restartDir, 'cli.sock');
  const source = new VppCliSocketSource({ socketPath: sock });
  after(() => rmSync(restartDir, { recursive: true, force: true }));

  it('reports a missing socket clearly', async () => {
    const err = await rejectsWith(source.run('show version', 1000), 'connect');
    assert.match(err.message, /ENOENT/);
  });

  it('reports a socket path nobody listens on (refused)', async () => {
    writeFileSync(sock, '');
    const err = await rejectsWith(source.run('show version', 1000), 'connect');
    assert.match(err.message, /ECONNREFUSED/);
    rmSync(sock);
  });

  it('works again after VPP restarts between cycles', async () => {
    const first = new VppCliPeer(sock, { responses: { 'show version': VERSION } });
    await first.start();
    assert.equal((await source.run('show version', 1000)).kind, 'text');
    await first.stop();
    await rejectsWith(source.run('show version', 1000), 'connect');
    const second = new VppCliPeer(sock, {
      responses: { 'show version': 'vpp v26.06.1-release built by root on vm at 2026-12-01T00:00:00\n' },
    });
    await second.start();
    const out = await source.run('show version', 1000);
    assert.match(out.kind === 'text' ? out.text : '', /26\.06\.1/);
    await second.stop();
  });
});
