import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGoDuration } from '../../../src/server/web-config/go-duration.ts';

test("durations as Go's time.ParseDuration reads them, in milliseconds", () => {
  const cases: [string, number | undefined][] = [
    ['1s', 1000],
    ['500ms', 500],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['-2m', -120_000],
    ['+3s', 3000],
    ['0', 0],
    ['.5s', 500],
    ['250us', 0.25],
    ['250µs', 0.25],
    ['1000000ns', 1],
    ['', undefined],
    ['1', undefined],
    ['1d', undefined],
    ['s', undefined],
    ['1s ', undefined],
    ['1S', undefined],
  ];
  for (const [text, ms] of cases) assert.equal(parseGoDuration(text), ms, JSON.stringify(text));
});
