// A longer campaign than the unit tests' never-throws checks: every collector's parser, as the
// exporter calls it, gets real outputs (test fixtures and the demo recordings) mutated at random —
// tokens inserted, ranges cut, lines repeated, characters replaced, numbers blown up, other outputs
// appended — and must neither throw nor take long. Prints, per parser, the inputs tried, exceptions and
// the slowest parse; exits 1 on any exception. Seeded, so a failure replays:
// npm run fuzz -- [seed] [inputs per parser]
import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { POD_COLLECTORS } from '../../src/collectors/pod/index.ts';
import { VPP_COLLECTORS } from '../../src/collectors/vpp/index.ts';
import type { Parsed } from '../../src/parsers/parse-report.ts';
import { ENTRY, HEADER } from '../../src/sources/vpp-stats/segment-layout.ts';
import { StatsSegmentReader } from '../../src/sources/vpp-stats/segment-reader.ts';
import { SegmentError } from '../../src/sources/vpp-stats/segment-view.ts';
import { DEMO, demoVpp, FIXTURES, linuxFixture, vppFixture } from '../support/fixtures.ts';
import { bufferFile, vppLikeSegment } from '../support/stats-segment-writer.ts';
import { seededRandom } from '../support/vpp-format.ts';

const seed = Number(process.argv[2] ?? 1);
const perParser = Number(process.argv[3] ?? 20_000);
const rnd = seededRandom(seed);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;

// Outputs as the parsers receive them (provenance lines removed), from the fixtures and both demo nodes.
const txt = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.txt'));
const vppCorpus = [
  ...txt(`${FIXTURES}vpp`).map(vppFixture),
  ...(['worker-a', 'worker-b'] as const).flatMap((node) =>
    txt(`${DEMO}${node}/vpp`).map((f) => demoVpp(node, f.slice(0, -'.txt'.length))),
  ),
];
const linuxCorpus = txt(`${FIXTURES}linux`).map(linuxFixture);

// What real outputs are made of, and what breaks naive parsers.
const TOKENS = [
  '\r',
  '\0',
  '\n',
  '\t',
  ' '.repeat(300),
  'x'.repeat(5000),
  '9'.repeat(40),
  '-1',
  'NaN',
  '1e308',
  '{',
  '}',
  '[',
  ']',
  '"',
  ':',
  ',',
  'null',
  '\\',
  '\u00ff',
  '\u2028',
  '\u{1F4A5}',
  'up',
  'dn',
  'L2 xconnect',
  'rx packets',
  'Interface: ',
  'host-mac-addr:',
  'via',
  'dev',
  'table',
  'lookup',
  'lladdr',
  'fe80::1',
  '10.0.0.1/24',
  'vxlan_tunnel0',
];

function mutate(text: string, corpus: readonly string[]): string {
  let out = text;
  const edits = 1 + Math.floor(rnd() * 8);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rnd() * (out.length + 1));
    switch (Math.floor(rnd() * 7)) {
      case 0:
        out = out.slice(0, at) + pick(TOKENS) + out.slice(at);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at + Math.floor(rnd() * 50));
        break;
      case 2: {
        const lines = out.split('\n');
        const copies = Array<string>(1 + Math.floor(rnd() * 50)).fill(pick(lines));
        lines.splice(Math.floor(rnd() * lines.length), 0, ...copies);
        out = lines.join('\n');
        break;
      }
      case 3:
        out = out.slice(0, at);
        break;
      case 4:
        out = out.slice(0, at) + String.fromCharCode(Math.floor(rnd() * 65536)) + out.slice(at + 1);
        break;
      case 5:
        out = out.replace(/\d+/, pick(['99999999999999999999', '-5', '', '1.5', 'x']));
        break;
      default:
        out += pick(corpus).slice(0, Math.floor(rnd() * 2000));
    }
  }
  return out;
}

// Every parser as the exporter calls it, taken from the collectors: a new parser is fuzzed without
// being listed here.
type Parser = (text: string) => Parsed<unknown>;
const PARSERS: readonly [string, Parser, readonly string[]][] = [
  ...VPP_COLLECTORS.map((c): [string, Parser, readonly string[]] => [c.command, c.parse, vppCorpus]),
  ...POD_COLLECTORS.flatMap((c) =>
    c.parsers.map((p): [string, Parser, readonly string[]] => [p.command.id, p.parse, linuxCorpus]),
  ),
];

console.log(
  `seed ${seed}, ${perParser} inputs per parser, corpus ${vppCorpus.length} VPP + ${linuxCorpus.length} Linux outputs\n`,
);
console.log('| parser | inputs | exceptions | slowest parse | its input |');
console.log('|---|---|---|---|---|');
let exceptions = 0;
for (const [name, parse, corpus] of PARSERS) {
  let thrown = 0;
  let slowest = { ms: 0, chars: 0 };
  for (let i = 0; i < perParser; i++) {
    const input = mutate(pick(corpus), corpus);
    const t0 = performance.now();
    try {
      const result = parse(input);
      if (!(result.report.unparsedLines >= 0)) throw new Error('no parse report');
    } catch (err) {
      if (thrown++ === 0) console.error(`${name} threw on ${JSON.stringify(input.slice(0, 400))}: ${err}`);
    }
    const ms = performance.now() - t0;
    if (ms > slowest.ms) slowest = { ms, chars: input.length };
  }
  exceptions += thrown;
  console.log(
    `| ${name} | ${perParser} | ${thrown} | ${slowest.ms.toFixed(2)} ms | ${slowest.chars} chars |`,
  );
}
exceptions += await fuzzStatsSegment();
process.exitCode = exceptions === 0 ? 0 : 1;

/**
 * The stats segment reader on real and laid-out segments with damage where it hurts: directory entry
 * unions (pointers, symlink indexes), vector lengths, header fields, random bytes, truncation. Only a
 * SegmentError may come out.
 */
async function fuzzStatsSegment(): Promise<number> {
  const real = gunzipSync(readFileSync(`${FIXTURES}vpp-stats/stats-segment.v26.06-loopbacks.bin.gz`));
  const laidOut = vppLikeSegment({
    interfaces: ['local0', 'host-veth-a', null, 'vxlan_tunnel0'],
    threads: 3,
    errors: [{ node: 'ip4-input', counter: 'ttl', perThread: [1, 2, 3] }],
  }).build().bytes;
  const corpus = [real, laidOut];
  let thrown = 0;
  let slowest = 0;
  for (let i = 0; i < perParser; i++) {
    const bytes = Buffer.from(pick(corpus));
    const base = Number(bytes.readBigUInt64LE(HEADER.base));
    const dir = Number(bytes.readBigUInt64LE(HEADER.directoryVector)) - base;
    const entries = bytes.readUInt32LE(dir - 8);
    const values = [
      0,
      1,
      2 ** 32 - 1,
      2 ** 53,
      base,
      base + Math.floor(rnd() * bytes.length),
      Math.floor(rnd() * 5000),
    ];
    for (let m = 1 + Math.floor(rnd() * 4); m > 0; m--) {
      const r = rnd();
      const at =
        r < 0.4
          ? dir + Math.floor(rnd() * entries) * ENTRY.size + pick([ENTRY.type, ENTRY.value, ENTRY.index2])
          : r < 0.5
            ? pick([HEADER.version, HEADER.base, HEADER.epoch, HEADER.inProgress, HEADER.directoryVector])
            : Math.floor(rnd() * (bytes.length - 8));
      if (rnd() < 0.8) bytes.writeBigUInt64LE(BigInt(pick(values)) & 0xffffffffffffffffn, at);
      else bytes[at] = Math.floor(rnd() * 256);
    }
    const input = rnd() < 0.1 ? bytes.subarray(0, Math.floor(rnd() * bytes.length)) : bytes;
    const t0 = performance.now();
    try {
      await new StatsSegmentReader({ maxAttempts: 2, retryDelayMs: 0 }).read(bufferFile(input), 'fuzz');
    } catch (err) {
      if (!(err instanceof SegmentError) && thrown++ === 0)
        console.error(`stats segment reader threw ${err}`);
    }
    slowest = Math.max(slowest, performance.now() - t0);
  }
  console.log(
    `| stats segment reader | ${perParser} | ${thrown} | ${slowest.toFixed(2)} ms | ${corpus.length} segments |`,
  );
  return thrown;
}
