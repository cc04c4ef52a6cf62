import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { readOnce, seeds } from '../tools/fuzz-segment.ts';
import { MAX_PARSE_MS, MAX_READ_MS, PARSERS } from '../tools/fuzz-targets.ts';

// What the fuzzers found (test/tools/fuzz-parsers.ts, fuzz-segment.ts write every input that made a
// parser or the stats segment reader throw or overrun into these directories) stays fixed.
const PARSER_FINDINGS = new URL('../fixtures/fuzz-parsers/', import.meta.url);
const SEGMENT_FINDINGS = new URL('../fixtures/fuzz-segment/', import.meta.url);
const files = (dir: URL, ext: string) =>
  existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(ext)) : [];

describe('fuzzer findings, replayed', () => {
  it('the segment campaign’s seeds read as data (the oracle accepts a good segment)', async () => {
    for (const s of seeds()) assert.equal(await readOnce(s), 'data');
  });

  for (const file of files(SEGMENT_FINDINGS, '.bin.gz')) {
    it(`stats segment ${file}: data or a SegmentError, within ${MAX_READ_MS} ms`, async () => {
      const bytes = gunzipSync(readFileSync(new URL(file, SEGMENT_FINDINGS)));
      const t0 = performance.now();
      await readOnce(bytes);
      assert.ok(performance.now() - t0 < MAX_READ_MS);
    });
  }

  for (const file of files(PARSER_FINDINGS, '.txt')) {
    const parser = PARSERS.find((p) => file.startsWith(`${p.slug}-seed`));
    it(`parser input ${file}: a parse report, within ${MAX_PARSE_MS} ms`, () => {
      assert.ok(parser, `no parser for ${file}`);
      const t0 = performance.now();
      const result = parser.parse(readFileSync(new URL(file, PARSER_FINDINGS), 'utf8'));
      assert.ok(result.report.unparsedLines >= 0);
      assert.ok(performance.now() - t0 < MAX_PARSE_MS);
    });
  }
});
