import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Parsed } from '../../../src/parsers/parse-report.ts';
import { seededRandom } from '../../support/vpp-format.ts';

/**
 * Bad input is normal input: every prefix of real outputs, random bytes, and real outputs with lines
 * shuffled or bytes flipped must give a result, never an exception.
 */
export function assertNeverThrows(
  name: string,
  parse: (text: string) => Parsed<unknown>,
  samples: string[],
): void {
  it(`${name} never throws on truncated, garbled or random input`, () => {
    const rnd = seededRandom(42);
    const inputs: string[] = [];
    for (const sample of samples) {
      for (let cut = 0; cut <= sample.length; cut += Math.max(1, Math.floor(sample.length / 97))) {
        inputs.push(sample.slice(0, cut));
      }
      for (let k = 0; k < 50; k++) {
        const chars = [...sample];
        for (let f = 0; f < 5; f++)
          chars[Math.floor(rnd() * chars.length)] = String.fromCharCode(Math.floor(rnd() * 256));
        inputs.push(chars.join(''));
        const lines = sample.split('\n');
        lines.sort(() => rnd() - 0.5);
        inputs.push(lines.join('\n'));
      }
    }
    for (let k = 0; k < 200; k++) {
      const len = Math.floor(rnd() * 400);
      inputs.push(Array.from({ length: len }, () => String.fromCharCode(Math.floor(rnd() * 256))).join(''));
    }
    for (const input of inputs) {
      const result = parse(input);
      assert.ok(result.report.unparsedLines >= 0);
    }
  });
}
