// A coverage-guided campaign over every collector's parser, as the exporter calls it: real outputs
// (test fixtures and the demo recordings) mutated at random (tokens inserted, ranges cut, lines
// repeated, characters replaced, numbers blown up, other outputs appended), and an input kept for further
// mutation when it reaches blocks of src/parsers/ no earlier input reached (coverage-guide.ts). A parser
// must neither throw nor take a second; an input that makes it is written to test/fixtures/fuzz-parsers/
// (replayed by test/unit/fuzz-regressions.test.ts) and the run exits 1. Seeded, so a run replays:
// npm run fuzz -- [seed] [inputs per parser]
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { DEMO, demoVpp, FIXTURES, linuxFixture, vppFixture } from '../support/fixtures.ts';
import { seededRandom } from '../support/vpp-format.ts';
import { CoverageGuide } from './coverage-guide.ts';
import { MAX_PARSE_MS, PARSERS } from './fuzz-targets.ts';

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

const REGRESSIONS = new URL('../fixtures/fuzz-parsers/', import.meta.url);

console.log(
  `seed ${seed}, ${perParser} inputs per parser, corpus ${vppCorpus.length} VPP + ${linuxCorpus.length} Linux outputs\n`,
);
console.log('| parser | inputs | kept for new coverage | findings | slowest parse | its input |');
console.log('|---|---|---|---|---|---|');
const guide = new CoverageGuide('/src/parsers/');
await guide.start();
let findings = 0;
for (const { name, slug, parse, kind } of PARSERS) {
  const seeds = kind === 'vpp' ? vppCorpus : linuxCorpus;
  const corpus = [...seeds];
  let found = 0;
  let slowest = { ms: 0, chars: 0 };
  await guide.newBlocks();
  for (let i = 0; i < perParser; i++) {
    const input = mutate(pick(corpus), corpus);
    const t0 = performance.now();
    let problem = '';
    try {
      const result = parse(input);
      if (!(result.report.unparsedLines >= 0)) problem = 'no parse report';
    } catch (err) {
      problem = `threw ${err}`;
    }
    const ms = performance.now() - t0;
    if (!problem && ms > MAX_PARSE_MS) problem = `took ${ms.toFixed(0)} ms`;
    if (ms > slowest.ms) slowest = { ms, chars: input.length };
    if (problem) {
      const file = `${slug}-seed${seed}-${i}.txt`;
      mkdirSync(REGRESSIONS, { recursive: true });
      writeFileSync(new URL(file, REGRESSIONS), input);
      if (found++ === 0) console.error(`${name}: ${problem} (kept as test/fixtures/fuzz-parsers/${file})`);
    }
    if ((await guide.newBlocks()) > 0) corpus.push(input);
  }
  findings += found;
  console.log(
    `| ${name} | ${perParser} | ${corpus.length - seeds.length} | ${found} | ${slowest.ms.toFixed(2)} ms | ${slowest.chars} chars |`,
  );
}
await guide.stop();
console.log(`\n${guide.blocks} blocks of src/parsers/ reached`);
process.exitCode = findings === 0 ? 0 : 1;
