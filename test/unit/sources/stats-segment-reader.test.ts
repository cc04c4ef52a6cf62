import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { segmentErrors, withSegmentCounters } from '../../../src/collectors/vpp/vpp-stats-segment.ts';
import { parseShowErrors } from '../../../src/parsers/vpp/show-errors.ts';
import { parseShowInterface } from '../../../src/parsers/vpp/show-interface.ts';
import { ENTRY, HEADER } from '../../../src/sources/vpp-stats/segment-layout.ts';
import { StatsSegmentReader } from '../../../src/sources/vpp-stats/segment-reader.ts';
import { SegmentError } from '../../../src/sources/vpp-stats/segment-view.ts';
import { bufferFile, SegmentWriter, vppLikeSegment } from '../../support/stats-segment-writer.ts';

const read = (bytes: Buffer, reader = new StatsSegmentReader({ retryDelayMs: 0 })) =>
  reader.read(bufferFile(bytes), 'file-1');

async function failure(p: Promise<unknown>): Promise<SegmentError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SegmentError, `a SegmentError, not ${String(err)}`);
    return err;
  }
  assert.fail('the read succeeded');
}

const threeInterfaces = () =>
  vppLikeSegment({
    interfaces: ['local0', 'host-veth-a', null, 'vxlan_tunnel0'],
    threads: 3,
    simple: (c, t, i) => (c === 'drops' ? 100 * t + i : c === 'rx-miss' && i === 3 ? 7 : 0),
    combined: (c, t, i) =>
      c === 'rx' ? [10 * t + i, 1000 * t + i] : c === 'tx-unicast' && i === 1 ? [2, 128] : [0, 0],
    errors: [
      { node: 'ip4-input', counter: 'ttl expired', perThread: [1, 2, 3] },
      { node: 'arp-reply', counter: 'replies_sent', perThread: [5, 0, 0] },
      { node: 'null-node', counter: 'blackholed packets', perThread: [0, 0, 0] },
    ],
  });

describe('StatsSegmentReader on a segment laid out as VPP v26.06 does', () => {
  it('sums every interface counter over the threads, by sw_if_index, with names from /if/names', async () => {
    const data = await read(threeInterfaces().build().bytes);
    assert.deepEqual(data.interfaceNames, ['local0', 'host-veth-a', undefined, 'vxlan_tunnel0']);
    assert.equal(data.threads, 3);
    // drops = sum over t of 100t + i = 300 + 3i
    assert.deepEqual([...(data.interfaceSimple.get('drops') ?? [])], [300, 303, 306, 309]);
    assert.deepEqual([...(data.interfaceSimple.get('rx-miss') ?? [])], [0, 0, 0, 21]);
    assert.deepEqual([...(data.interfaceCombined.get('rx')?.packets ?? [])], [30, 33, 36, 39]);
    assert.deepEqual([...(data.interfaceCombined.get('rx')?.bytes ?? [])], [3000, 3003, 3006, 3009]);
    assert.deepEqual([...(data.interfaceCombined.get('tx-unicast')?.bytes ?? [])], [0, 384, 0, 0]);
    assert.equal(data.interfaceSimple.size, 9);
    assert.equal(data.interfaceCombined.size, 8);
  });

  it('follows /err/ symlinks into /node/errors and sums them over threads', async () => {
    const data = await read(threeInterfaces().build().bytes);
    assert.deepEqual(data.errors, [
      { node: 'ip4-input', counter: 'ttl expired', value: 6 },
      { node: 'arp-reply', counter: 'replies_sent', value: 5 },
    ]);
    assert.equal(data.errorCounters, 3, 'the zero counter is registered, not listed');
  });

  it('reads scalars and gauges of /sys/ and /buffer-pools/ as integers, and /mem/ heaps through their symlinks', async () => {
    const data = await read(threeInterfaces().build().bytes);
    assert.equal(data.values.get('/sys/heartbeat'), 7);
    assert.equal(data.values.get('/sys/boottime'), 1795966923);
    assert.equal(data.values.get('/sys/num_worker_threads'), 2);
    assert.equal(data.values.get('/buffer-pools/default-numa-0/available'), 2989);
    assert.deepEqual(Object.fromEntries(data.heaps.get('main heap') ?? []), {
      used: 30644976,
      total: 268435456,
      free: 237790480,
    });
  });

  it('keeps counters above 2^32 exact', async () => {
    const big = 2 ** 40 + 5;
    const data = await read(
      vppLikeSegment({ interfaces: ['a'], combined: (c) => (c === 'tx' ? [big, big * 3] : [0, 0]) }).build()
        .bytes,
    );
    assert.equal(data.interfaceCombined.get('tx')?.packets[0], big);
    assert.equal(data.interfaceCombined.get('tx')?.bytes[0], big * 3);
  });

  it('treats deleted interfaces (VPP renames them "deleted") as absent', async () => {
    const data = await read(vppLikeSegment({ interfaces: ['local0', 'deleted', 'loop1'] }).build().bytes);
    assert.deepEqual(data.interfaceNames, ['local0', undefined, 'loop1']);
  });

  it('sums per-thread vectors of different lengths (a worker validated fewer interfaces)', async () => {
    const w = new SegmentWriter().simple('/if/drops', [[1, 2, 3], [10]]).names('/if/names', ['a', 'b', 'c']);
    const data = await read(w.build().bytes);
    assert.deepEqual([...(data.interfaceSimple.get('drops') ?? [])], [11, 2, 3]);
  });

  it('decodes the directory again only when its epoch moves', async () => {
    const w = threeInterfaces();
    const seg = w.build();
    const reader = new StatsSegmentReader({ retryDelayMs: 0 });
    await read(seg.bytes, reader);
    // Rename /if/names' entry behind VPP's back: with the same epoch the decoded directory is reused.
    const at = seg.entryOffset.get('/if/names') as number;
    seg.bytes.write('/if/nameX', at + ENTRY.name, 'latin1');
    assert.equal((await read(seg.bytes, reader)).interfaceNames.length, 4);
    seg.bytes.writeBigUInt64LE(BigInt(w.epoch + 1), HEADER.epoch);
    assert.equal(
      (await read(seg.bytes, reader)).interfaceNames.length,
      0,
      'a new epoch decodes the directory again',
    );
  });

  it('sees counters move between reads without an epoch change (VPP writes counters lock-free)', async () => {
    const seg = threeInterfaces().build();
    const reader = new StatsSegmentReader({ retryDelayMs: 0 });
    await read(seg.bytes, reader);
    const row = seg.vectorOffset.get('/if/drops thread 0') as number;
    seg.bytes.writeBigUInt64LE(1000n, row + 8);
    // thread 0 held 1 of interface 1's 303
    assert.equal((await read(seg.bytes, reader)).interfaceSimple.get('drops')?.[1], 1302);
  });
});

describe('StatsSegmentReader on a segment that changes or breaks', () => {
  it('retries a read during which the epoch moved, and never returns the torn one', async () => {
    const before = threeInterfaces().build();
    const w = new SegmentWriter();
    w.epoch = 2;
    const after = vppLikeSegment({ interfaces: ['local0', 'loop9'] }, w).build();
    const live = Buffer.from(before.bytes);
    // VPP rebuilds its directory in the middle of the first read: the header is read again last.
    let reads = 0;
    const file = bufferFile(live, () => {
      if (++reads === 3) after.bytes.copy(live);
    });
    const data = await new StatsSegmentReader({ retryDelayMs: 0 }).read(file, 'f');
    assert.deepEqual(data.interfaceNames, ['local0', 'loop9']);
    assert.equal(data.epoch, 2);
  });

  it('waits out in_progress, and reports busy when VPP never finishes', async () => {
    const seg = threeInterfaces().build();
    seg.bytes.writeBigUInt64LE(1n, HEADER.inProgress);
    let reads = 0;
    const file = bufferFile(seg.bytes, () => {
      if (++reads === 4) seg.bytes.writeBigUInt64LE(0n, HEADER.inProgress);
    });
    const data = await new StatsSegmentReader({ retryDelayMs: 0 }).read(file, 'f');
    assert.equal(data.interfaceNames.length, 4);

    seg.bytes.writeBigUInt64LE(1n, HEADER.inProgress);
    const e = await failure(
      new StatsSegmentReader({ retryDelayMs: 0, maxAttempts: 3 }).read(bufferFile(seg.bytes), 'f'),
    );
    assert.equal(e.reason, 'busy');
    assert.match(e.message, /3 read attempts/);
  });

  it('refuses another segment version, and the version-2 layout of VPP 21.x', async () => {
    const w = threeInterfaces();
    w.version = 1;
    assert.equal((await failure(read(w.build().bytes))).reason, 'version');
    const old = new SegmentWriter();
    const bytes = old.build().bytes;
    const first = old.build().entryOffset.get('/sys/heartbeat') as number;
    bytes.write('/sys/num_worker_threads\0', first + ENTRY.name, 'latin1');
    const e = await failure(read(bytes));
    assert.equal(e.reason, 'version');
    assert.match(e.message, /older than VPP 22\.06/);
  });

  it('reports a truncated segment as corrupt instead of reading past its end', async () => {
    const seg = threeInterfaces().build();
    const dir = seg.vectorOffset.get('directory') as number;
    assert.equal((await failure(read(seg.bytes.subarray(0, dir + 100)))).reason, 'corrupt');
    assert.equal((await failure(read(seg.bytes.subarray(0, 20)))).reason, 'corrupt');
  });

  it('reports pointers outside the segment as corrupt: directory, per-thread vector, name', async () => {
    for (const [what, at] of [
      ['directory', HEADER.directoryVector],
      ['/if/rx per-thread list', 'threads'],
      ['/if/names element', 'name'],
    ] as const) {
      const seg = threeInterfaces().build();
      const offset =
        typeof at === 'number'
          ? at
          : at === 'threads'
            ? (seg.vectorOffset.get('/if/rx threads') as number)
            : (seg.vectorOffset.get('/if/names list') as number) + 8;
      seg.bytes.writeBigUInt64LE(BigInt(seg.base + seg.bytes.length + 4096), offset);
      const e = await failure(read(seg.bytes));
      assert.equal(e.reason, 'corrupt', what);
      assert.match(e.message, /outside the segment/, what);
    }
  });

  it('refuses a garbage vector length before allocating for it', async () => {
    const seg = threeInterfaces().build();
    const row = seg.vectorOffset.get('/node/errors thread 0') as number;
    seg.bytes.writeUInt32LE(0xffffffff, row - 8);
    const e = await failure(read(seg.bytes));
    assert.equal(e.reason, 'corrupt');
    assert.match(e.message, /4294967295 elements/);
  });

  it('reports a symlink to something other than a simple counter vector as corrupt, and skips one past its row', async () => {
    const w = new SegmentWriter().gauge('/sys/x', 1).symlink('/err/n/c', '/sys/x', 0);
    assert.match((await failure(read(w.build().bytes))).message, /not a simple counter vector/);
    const past = new SegmentWriter().simple('/node/errors', [[1]]).symlink('/err/n/c', '/node/errors', 5);
    assert.deepEqual((await read(past.build().bytes)).errors, []);
  });

  it('skips empty and unknown entries', async () => {
    const w = threeInterfaces().empty();
    const seg = w.build();
    const data = await read(seg.bytes);
    assert.equal(data.interfaceNames.length, 4);
  });
});

describe('StatsSegmentReader on a segment recorded from VPP v26.06', () => {
  const dir = new URL('../../fixtures/vpp-stats/', import.meta.url);
  const bytes = gunzipSync(readFileSync(new URL('stats-segment.v26.06-loopbacks.bin.gz', dir)));
  const text = (name: string) => readFileSync(new URL(name, dir), 'utf8');

  it('gives the interfaces and counters `show interface` printed at the same moment', async () => {
    const data = await read(bytes);
    const cli = parseShowInterface(text('show-interface.v26.06-loopbacks.txt')).value;
    assert.deepEqual(
      cli.map((i) => [i.swIfIndex, i.name]),
      data.interfaceNames.map((n, i) => [i, n]),
    );
    const merged = withSegmentCounters(cli, data);
    assert.deepEqual(
      merged.map((i) => [i.name, Object.fromEntries(i.counters)]),
      cli.map((i) => [i.name, Object.fromEntries(i.counters)]),
    );
    assert.equal(merged.find((i) => i.name === 'loop1')?.counters.get('drops'), 3);
  });

  it('gives the error counts `show errors` printed at the same moment, per node', async () => {
    const data = await read(bytes);
    const perNode = (errors: { node: string; count: number }[]) =>
      Object.fromEntries(errors.map((e) => [e.node, e.count]));
    assert.deepEqual(
      perNode(segmentErrors(data)),
      perNode(parseShowErrors(text('show-errors.v26.06-loopbacks.txt')).value),
    );
    assert.ok(data.errorCounters > 2000, `VPP registers thousands of error counters (${data.errorCounters})`);
  });

  it("reads the main heap and the segment's own heap, and the buffer pool", async () => {
    const data = await read(bytes);
    assert.deepEqual([...data.heaps.keys()].sort(), ['main heap', 'stat segment']);
    assert.ok((data.values.get('/buffer-pools/default-numa-0/available') ?? 0) > 0);
    assert.equal(data.values.get('/sys/num_worker_threads'), 0);
  });
});
