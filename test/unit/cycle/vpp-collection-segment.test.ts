import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { VppCollection } from '../../../src/cycle/vpp-collection.ts';
import { parseShowInterface } from '../../../src/parsers/vpp/show-interface.ts';
import { VppRenderer } from '../../../src/render/vpp-renderer.ts';
import { StatsSegmentSource } from '../../../src/sources/vpp-stats/stats-segment-source.ts';
import { demoVpp } from '../../support/fixtures.ts';
import { MemorySource } from '../../support/memory-source.ts';
import { SegmentWriter, vppLikeSegment } from '../../support/stats-segment-writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'mpe-segment-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const logger = pino({ level: 'silent' });

/** The demo node's interfaces as VPP's segment would hold them, with counters derived from sw_if_index. */
function demoSegment(extra: string[] = [], epoch = 1): Buffer {
  const names: (string | null)[] = [];
  for (const i of parseShowInterface(demoVpp('worker-a', 'show-interface')).value)
    names[i.swIfIndex] = i.name;
  for (const n of extra) names.push(n);
  return vppLikeSegment(
    {
      interfaces: Array.from(names, (n) => n ?? null),
      threads: 2,
      simple: (c, t, i) => (c === 'drops' ? i + t : 0),
      combined: (c, _t, i) => (c === 'rx' ? [1000 + i, 64 * (1000 + i)] : [0, 0]),
      errors: [{ node: 'ip4-input', counter: 'ttl_expired', perThread: [2, 3] }],
    },
    Object.assign(new SegmentWriter(), { epoch }),
  ).build().bytes;
}

function setup(segment: Buffer | 'missing') {
  const path = join(dir, `segment-${Math.random().toString(36).slice(2)}`);
  if (segment !== 'missing') writeFileSync(path, segment);
  const source = new MemorySource();
  source.answers.set('show interface', demoVpp('worker-a', 'show-interface'));
  source.answers.set('show interface addr', demoVpp('worker-a', 'show-interface-addr'));
  source.answers.set('show tap', demoVpp('worker-a', 'show-tap'));
  source.answers.set('show vxlan tunnel raw', demoVpp('worker-a', 'show-vxlan-tunnel-raw'));
  source.answers.set('show version', 'vpp v26.06-release built by root on vm at 2026-11-29T14:44:01\n');
  source.answers.set(
    'show errors',
    '   Count                  Node                              Reason               Severity \n',
  );
  let now = 1_000_000;
  const collection = new VppCollection(source, {
    node: 'worker-a',
    forwarder: 'forwarder-vpp-worker-a',
    commandTimeoutMs: 1000,
    stateIntervalMs: 60_000,
    logger,
    now: () => now,
    statsSegment: new StatsSegmentSource({ kind: 'path', path }, () => undefined),
  });
  return {
    path,
    source,
    advance: (ms: number) => {
      now += ms;
    },
    collect: () => collection.collect(now + 10_000),
  };
}

describe('VppCollection with the stats segment', () => {
  it('takes counters and errors from the segment and sends no barrier command after the first cycle', async () => {
    const { source, advance, collect } = setup(demoSegment());
    const first = await collect();
    assert.deepEqual(source.calls.splice(0), [
      'show interface',
      'show interface addr',
      'show version',
      'show tap',
      'show vxlan tunnel raw',
    ]);
    const tap3 = first.interfaces?.find((i) => i.name === 'tap3');
    assert.ok(tap3);
    assert.equal(tap3.counters.get('rx packets'), 2 * (1000 + tap3.swIfIndex));
    assert.equal(tap3.counters.get('drops'), 2 * tap3.swIfIndex + 1);
    assert.deepEqual(first.errors, [{ node: 'ip4-input', reason: 'ttl_expired', count: 5 }]);
    assert.equal(first.commands.find((c) => c.command === 'stats segment')?.state, 'ok');
    advance(15_000);
    const second = await collect();
    assert.deepEqual(source.calls.splice(0), [], 'no CLI command between state reads');
    assert.equal(second.commands.find((c) => c.command === 'show interface addr')?.ranThisCycle, false);
    assert.ok(second.addrs && second.addrs.length > 0, 'addresses and cross-connects carried over');
    assert.equal(second.interfaces?.length, first.interfaces?.length, 'admin state and MTUs carried over');
    assert.equal(second.commands.find((c) => c.command === 'show interface')?.ranThisCycle, false);
    advance(45_000);
    await collect();
    assert.deepEqual(source.calls.splice(0), [
      'show interface',
      'show interface addr',
      'show version',
      'show tap',
      'show vxlan tunnel raw',
    ]);
  });

  it('reads show interface again at once when /if/names changes', async () => {
    const { path, source, advance, collect } = setup(demoSegment());
    await collect();
    source.calls.length = 0;
    advance(15_000);
    // VPP moves the epoch when it adds an interface.
    writeFileSync(path, demoSegment(['loop99'], 2));
    await collect();
    assert.ok(source.calls.includes('show interface'));
    assert.ok(source.calls.includes('show interface addr'));
    assert.ok(source.calls.includes('show tap'));
  });

  it('renders the same interface families as the CLI, plus the segment-only ones', async () => {
    const { collect } = setup(demoSegment());
    const snap = await collect();
    const text = Buffer.concat(await new VppRenderer().renderParts(snap)).toString('utf8');
    assert.match(text, /vpp_interface_rx_packets_total\{[^}]*interface="tap3"\} \d+/);
    assert.match(text, /vpp_interface_info\{[^}]*interface="tap3",sw_if_index="\d+",state="up"/);
    assert.match(text, /vpp_errors_total\{[^}]*vpp_node="ip4-input",reason="ttl_expired"\} 5/);
    assert.match(text, /vpp_buffer_pool_available_buffers\{[^}]*pool="default-numa-0"\} 2989/);
    assert.match(text, /vpp_memory_heap_used_bytes\{[^}]*heap="main heap"\} 30644976/);
    assert.match(text, /vpp_worker_threads\{[^}]*\} 1/);
  });

  it('falls back to the CLI for the cycle when the segment fails, and says why', async () => {
    const { path, source, advance, collect } = setup(demoSegment());
    await collect();
    source.calls.length = 0;
    advance(15_000);
    writeFileSync(path, demoSegment().subarray(0, 5000));
    const snap = await collect();
    const status = snap.commands.find((c) => c.command === 'stats segment');
    assert.equal(status?.state, 'failed');
    assert.equal(status?.failure, 'corrupt');
    assert.match(status?.message ?? '', /read with the CLI/);
    assert.deepEqual(source.calls, ['show interface', 'show interface addr', 'show errors']);
    assert.equal(snap.stats, undefined, 'no segment-only values from a failed read');
    assert.equal(snap.errors?.length, 0, "show errors' own (empty) list");
  });

  it('reports a configured path that does not exist as a failure (connect)', async () => {
    const { collect } = setup('missing');
    const snap = await collect();
    const status = snap.commands.find((c) => c.command === 'stats segment');
    assert.equal(status?.failure, 'connect');
    assert.ok(
      snap.interfaces?.some((i) => (i.counters.get('rx packets') ?? 0) > 0),
      'counters from the CLI',
    );
  });

  it('in auto mode without a visible VPP process, stays on the CLI without reporting a failure', async () => {
    const source = new MemorySource();
    source.answers.set('show interface', demoVpp('worker-a', 'show-interface'));
    const collection = new VppCollection(source, {
      node: 'n',
      forwarder: 'f',
      commandTimeoutMs: 1000,
      stateIntervalMs: 60_000,
      logger,
      statsSegment: new StatsSegmentSource({ kind: 'auto' }, () => undefined),
    });
    const snap = await collection.collect(Date.now() + 10_000);
    assert.equal(
      snap.commands.find((c) => c.command === 'stats segment'),
      undefined,
    );
    assert.ok(source.calls.includes('show errors'));
  });
});
