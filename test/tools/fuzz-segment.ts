// A coverage-guided fuzzer of the stats segment reader: seeded with real segments of VPP v26.06 (the
// recorded fixture, and the bounds test's growth of it), each input is a seed or a kept input mutated
// where a segment's structure lives (header, directory, vector lengths and pointers), and is kept when
// it reaches blocks of the reader no earlier input reached (V8's precise block coverage through the
// inspector). Every input must end in data or a SegmentError, within a time and memory budget; one that
// does not is written to test/fixtures/fuzz-segment/ (replayed by test/unit/sources/fuzz-segment.test.ts)
// and the run exits 1. Seeded, so a run replays:
//   npm run fuzz:segment -- [seconds, default 60] [seed, default 1]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ENTRY, HEADER } from '../../src/sources/vpp-stats/segment-layout.ts';
import { StatsSegmentReader } from '../../src/sources/vpp-stats/segment-reader.ts';
import { SegmentError } from '../../src/sources/vpp-stats/segment-view.ts';
import { bufferFile, vppLikeSegment } from '../support/stats-segment-writer.ts';
import { seededRandom } from '../support/vpp-format.ts';
import { CoverageGuide } from './coverage-guide.ts';
import { MAX_READ_MS, MAX_READ_NEW_BYTES } from './fuzz-targets.ts';

const seconds = Number(process.argv[2] ?? 60);
const seed = Number(process.argv[3] ?? 1);
const rnd = seededRandom(seed);
const int = (n: number) => Math.floor(rnd() * n);
const FIXTURES = new URL('../fixtures/', import.meta.url);
const REGRESSIONS = new URL('fuzz-segment/', FIXTURES);

/** One read of `bytes` as the exporter does it: data or a SegmentError, anything else is a finding. */
export async function readOnce(bytes: Buffer): Promise<'data' | 'segment-error'> {
  try {
    await new StatsSegmentReader({ retryDelayMs: 0, maxAttempts: 1 }).read(bufferFile(bytes), 'fuzz');
    return 'data';
  } catch (err) {
    if (err instanceof SegmentError) return 'segment-error';
    throw err;
  }
}

/** The real and laid-out segments the campaign starts from (each must read as data). */
export function seeds(): Buffer[] {
  const real = gunzipSync(readFileSync(new URL('vpp-stats/stats-segment.v26.06-loopbacks.bin.gz', FIXTURES)));
  const synthetic = vppLikeSegment({
    interfaces: ['local0', 'host-veth-a', null, 'vxlan_tunnel0'],
    threads: 3,
    simple: (_c, t, i) => t * 10 + i,
    combined: (_c, t, i) => [t + i, 100 * (t + i)],
    errors: [{ node: 'ip4-input', counter: 'ttl expired', perThread: [1, 2, 3] }],
  }).build().bytes;
  // The same segment in a 16 MiB file (a large statseg): room for lengths and pointers far apart.
  const grown = Buffer.alloc(16 * 1024 * 1024);
  real.copy(grown);
  return [real, synthetic, grown];
}

/** Offsets where a segment's structure lives: the header, directory entries' values, vector lengths. */
function structure(bytes: Buffer): number[] {
  const out: number[] = [
    HEADER.version,
    HEADER.base,
    HEADER.epoch,
    HEADER.inProgress,
    HEADER.directoryVector,
  ];
  const base = Number(bytes.readBigUInt64LE(HEADER.base));
  const dir = Number(bytes.readBigUInt64LE(HEADER.directoryVector)) - base;
  if (dir < 8 || dir >= bytes.length) return out;
  out.push(dir - 8);
  const entries = Math.min(bytes.readUInt32LE(dir - 8), Math.floor((bytes.length - dir) / ENTRY.size), 4096);
  for (let i = 0; i < entries; i++) {
    const at = dir + i * ENTRY.size;
    out.push(at + ENTRY.type, at + ENTRY.value, at + ENTRY.index2);
    const pointer = Number(bytes.readBigUInt64LE(at + ENTRY.value)) - base;
    // The vector a counter entry points at: its length, and its first per-thread pointer's target's.
    if (pointer >= 8 && pointer + 8 <= bytes.length) {
      out.push(pointer - 8, pointer);
      const inner = Number(bytes.readBigUInt64LE(pointer)) - base;
      if (inner >= 8 && inner + 8 <= bytes.length) out.push(inner - 8);
    }
  }
  return out;
}

const INTERESTING = [0, 1, 2, 7, 8, 64, 255, 0x7fffffff, 0xffffffff, 4096, 1 << 20];

function mutate(input: Buffer, corpus: Buffer[]): Buffer {
  const b = Buffer.from(input);
  const spots = structure(b);
  const rounds = 1 + int(4);
  for (let r = 0; r < rounds; r++) {
    const at = rnd() < 0.8 && spots.length > 0 ? (spots[int(spots.length)] as number) : int(b.length - 8);
    if (at < 0 || at + 8 > b.length) continue;
    switch (int(8)) {
      case 0:
        b.writeUInt32LE(INTERESTING[int(INTERESTING.length)] as number, at);
        break;
      case 7:
        // The longest vector of counters the rest of the file could hold.
        b.writeUInt32LE(Math.floor((b.length - at) / (rnd() < 0.5 ? 8 : 16)), at);
        break;
      case 1:
        b.writeUInt32LE((b.readUInt32LE(at) + int(9) - 4) >>> 0, at);
        break;
      case 2: {
        // A pointer moved to another place in the file, as VPP's addresses go.
        const base = b.readBigUInt64LE(HEADER.base);
        b.writeBigUInt64LE(base + BigInt(int(b.length)), at);
        break;
      }
      case 3:
        b[at + int(8)] = int(256);
        break;
      case 4:
        b.fill(0, at, Math.min(b.length, at + 8 * (1 + int(64))));
        break;
      case 5: {
        // A piece of another segment spliced in.
        const other = corpus[int(corpus.length)] as Buffer;
        const from = int(Math.max(1, other.length - 256));
        other.copy(b, at, from, from + Math.min(256, b.length - at));
        break;
      }
      default:
        return b.subarray(0, Math.max(HEADER.size - 8, int(b.length)));
    }
  }
  return b;
}

async function main(): Promise<void> {
  const guide = new CoverageGuide('/src/sources/vpp-stats/');
  await guide.start();
  const corpus = seeds();
  for (const s of corpus) {
    await readOnce(s);
    await guide.newBlocks();
  }
  const end = Date.now() + seconds * 1000;
  let runs = 0;
  let kept = 0;
  let slowest = 0;
  const findings: string[] = [];
  const outcomes = { data: 0, 'segment-error': 0 };
  while (Date.now() < end) {
    const input = mutate(corpus[int(corpus.length)] as Buffer, corpus);
    runs++;
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    let problem = '';
    try {
      outcomes[await readOnce(input)]++;
    } catch (err) {
      problem = `threw ${(err as Error).stack ?? String(err)}`;
    }
    const ms = performance.now() - t0;
    const grew = process.memoryUsage().arrayBuffers - before;
    slowest = Math.max(slowest, ms);
    if (!problem && ms > MAX_READ_MS) problem = `took ${ms.toFixed(0)} ms`;
    if (!problem && grew > MAX_READ_NEW_BYTES) problem = `left ${(grew / 2 ** 20).toFixed(0)} MiB allocated`;
    if (problem) {
      mkdirSync(REGRESSIONS, { recursive: true });
      const name = `seed${seed}-run${runs}.bin.gz`;
      writeFileSync(new URL(name, REGRESSIONS), gzipSync(input));
      findings.push(`${name}: ${problem.split('\n')[0]}`);
    }
    if ((await guide.newBlocks()) > 0) {
      kept++;
      corpus.push(input);
    }
  }
  await guide.stop();
  console.log(
    `fuzz:segment seed ${seed}, ${seconds} s: ${runs} inputs (${outcomes.data} read, ${outcomes['segment-error']} refused as SegmentError), ${kept} kept for new coverage, ${guide.blocks} blocks of src/sources/vpp-stats reached, slowest read ${slowest.toFixed(1)} ms`,
  );
  if (findings.length > 0) {
    console.log(`findings (kept in test/fixtures/fuzz-segment/):\n  ${findings.join('\n  ')}`);
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
