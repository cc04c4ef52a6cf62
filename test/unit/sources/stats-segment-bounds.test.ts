import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { gunzipSync } from 'node:zlib';
import { openSegmentFile } from '../../../src/sources/vpp-stats/segment-file.ts';
import { ENTRY, HEADER } from '../../../src/sources/vpp-stats/segment-layout.ts';
import { READ_BUDGET, StatsSegmentReader } from '../../../src/sources/vpp-stats/segment-reader.ts';
import { SegmentError } from '../../../src/sources/vpp-stats/segment-view.ts';
import { bufferFile } from '../../support/stats-segment-writer.ts';
import { requireTool } from '../../support/tools.ts';

// A real VPP v26.06 segment (test/fixtures/vpp-stats, 1 MiB) grown to 64 MiB, the size of a large
// statseg, then damaged as an attacker or a bug would: every read must fail as `corrupt` (or say
// `version` for a real other layout) in bounded time and memory, before allocating what it is told.
const REAL = gunzipSync(
  readFileSync(new URL('../../fixtures/vpp-stats/stats-segment.v26.06-loopbacks.bin.gz', import.meta.url)),
);
const SIZE = 64 * 1024 * 1024;
// A collection before each measurement, so what a read keeps is told from garbage not yet collected.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
/** What a damaged read may cost here. */
const MAX_MS = 1000;
const MAX_NEW_BYTES = 4 * 1024 * 1024;

function grown(): Buffer {
  const b = Buffer.alloc(SIZE);
  REAL.copy(b);
  return b;
}

const u64 = (b: Buffer, at: number) => Number(b.readBigUInt64LE(at));
const base = u64(REAL, HEADER.base);
const directory = u64(REAL, HEADER.directoryVector) - base;
const entries = REAL.readUInt32LE(directory - 8);

function entryIndex(name: string): number {
  for (let i = 0; i < entries; i++) {
    const at = directory + i * ENTRY.size + ENTRY.name;
    if (REAL.toString('latin1', at, at + name.length + 1) === `${name}\0`) return i;
  }
  throw new Error(`no ${name} in the recorded segment`);
}
/** File offset of an entry's value (a pointer for counter vectors). */
const valueAt = (name: string) => directory + entryIndex(name) * ENTRY.size + ENTRY.value;

/** Reads `bytes` and returns the failure, its time and the memory it left allocated. */
async function damaged(bytes: Buffer): Promise<{ error: SegmentError; ms: number; newBytes: number }> {
  const reader = new StatsSegmentReader({ retryDelayMs: 0, maxAttempts: 2 });
  gc();
  const before = process.memoryUsage();
  const t0 = performance.now();
  let error: unknown;
  try {
    await reader.read(bufferFile(bytes), 'damaged');
  } catch (err) {
    error = err;
  }
  const ms = performance.now() - t0;
  gc();
  const after = process.memoryUsage();
  assert.ok(error instanceof SegmentError, `expected a SegmentError, got ${String(error)}`);
  return {
    error,
    ms,
    newBytes: after.arrayBuffers - before.arrayBuffers + (after.heapUsed - before.heapUsed),
  };
}

function assertBounded(
  r: { error: SegmentError; ms: number; newBytes: number },
  reason: string,
  message: RegExp,
) {
  assert.equal(r.error.reason, reason, r.error.message);
  assert.match(r.error.message, message);
  assert.ok(r.ms < MAX_MS, `${r.ms.toFixed(0)} ms`);
  assert.ok(r.newBytes < MAX_NEW_BYTES, `${(r.newBytes / 2 ** 20).toFixed(1)} MiB left allocated`);
}

describe('the stats segment reader on a damaged 64 MiB segment: bounded time and memory', () => {
  it('reads the undamaged grown copy as VPP wrote it', async () => {
    const data = await new StatsSegmentReader().read(bufferFile(grown()), 'real');
    assert.equal(data.interfaceNames.length, 5);
  });

  it('every interface counter vector claiming the longest length the file allows', async () => {
    const b = grown();
    const rows = u64(b, u64(b, valueAt('/if/rx')) - base) - base;
    b.writeUInt32LE(Math.floor((SIZE - rows) / 16), rows - 8);
    assertBounded(await damaged(b), 'corrupt', /more than the 69 \/if\/names allows/);
  });

  it('a counter with 4,096 per-thread vectors, all the same one, while the segment says one thread', async () => {
    const b = grown();
    const row = u64(b, u64(b, valueAt('/if/rx')) - base);
    const list = 48 * 1024 * 1024;
    b.writeUInt32LE(4096, list - 8);
    for (let t = 0; t < 4096; t++) b.writeBigUInt64LE(BigInt(row), list + t * 8);
    b.writeBigUInt64LE(BigInt(base + list), valueAt('/if/rx'));
    assertBounded(await damaged(b), 'corrupt', /4096 entries, more than 1/);
  });

  it('1,024 per-thread vectors with the worker count raised to match and /if/names 100,000 long: the read budget stops it', async () => {
    const b = grown();
    b.writeBigUInt64LE(1023n, valueAt('/sys/num_worker_threads'));
    const bigNames = 20 * 1024 * 1024;
    b.writeUInt32LE(100_000, bigNames - 8);
    b.writeBigUInt64LE(BigInt(base + bigNames), valueAt('/if/names'));
    const vector = 32 * 1024 * 1024;
    b.writeUInt32LE(100_000, vector - 8);
    const list = 48 * 1024 * 1024;
    b.writeUInt32LE(1024, list - 8);
    for (let t = 0; t < 1024; t++) b.writeBigUInt64LE(BigInt(base + vector), list + t * 8);
    b.writeBigUInt64LE(BigInt(base + list), valueAt('/if/rx'));
    assertBounded(
      await damaged(b),
      'corrupt',
      new RegExp(`more than ${READ_BUDGET.elements} counter elements`),
    );
  });

  it('/if/names a million long', async () => {
    const b = grown();
    const bigNames = 20 * 1024 * 1024;
    b.writeUInt32LE(1_000_000, bigNames - 8);
    b.writeBigUInt64LE(BigInt(base + bigNames), valueAt('/if/names'));
    assertBounded(await damaged(b), 'corrupt', /1000000 entries, more than 131072/);
  });

  it('an interface name thousands of bytes long', async () => {
    const b = grown();
    const names = u64(b, valueAt('/if/names')) - base;
    const first = u64(b, names) - base;
    b.writeUInt32LE(100_000, first - 8);
    assertBounded(await damaged(b), 'corrupt', /longer than any interface name/);
  });

  it('a zeroed directory, a garbage header version: corrupt, not an older VPP', async () => {
    const zeroed = grown();
    zeroed.fill(0, directory, directory + entries * ENTRY.size);
    assertBounded(await damaged(zeroed), 'corrupt', /holds no VPP names/);
    const garbage = grown();
    garbage.writeBigUInt64LE(0x5a5a5a5a5a5a5a5an, HEADER.version);
    assertBounded(await damaged(garbage), 'corrupt', /no version VPP writes/);
    const zero = grown();
    zero.writeBigUInt64LE(0n, HEADER.version);
    assertBounded(await damaged(zero), 'corrupt', /no version VPP writes/);
    const older = grown();
    older.writeBigUInt64LE(1n, HEADER.version);
    assertBounded(await damaged(older), 'version', /version 1/);
  });

  it('a directory claiming more entries than any VPP registers', async () => {
    const b = grown();
    b.writeUInt32LE(Math.floor((SIZE - directory) / ENTRY.size), directory - 8);
    assertBounded(await damaged(b), 'corrupt', /entries, more than/);
  });

  it('a segment path naming a FIFO is refused at once, not waited on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpe-fifo-'));
    try {
      const fifo = join(dir, 'stats.sock');
      execFileSync(requireTool('mkfifo'), [fifo]);
      const t0 = performance.now();
      assert.throws(() => openSegmentFile(fifo), /not a regular file/);
      assert.ok(performance.now() - t0 < MAX_MS);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
