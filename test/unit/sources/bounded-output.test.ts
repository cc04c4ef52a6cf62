import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoundedOutput } from '../../../src/sources/bounded-output.ts';

test('keeps every byte in order across growth of its buffer', () => {
  const out = new BoundedOutput(4 * 1024 * 1024);
  const expected: string[] = [];
  for (let i = 0; i < 5000; i++) {
    const piece = `line ${i} ${'x'.repeat(i % 300)}\n`;
    expected.push(piece);
    assert.equal(out.append(Buffer.from(piece)), true);
  }
  assert.equal(out.text(), expected.join(''));
  assert.equal(out.size, Buffer.byteLength(expected.join('')));
});

test('refuses a chunk that would pass the cap and keeps what came before', () => {
  const out = new BoundedOutput(10);
  assert.equal(out.append(Buffer.from('12345678')), true);
  assert.equal(out.append(Buffer.from('abc')), false);
  assert.equal(out.text(), '12345678');
  assert.equal(out.append(Buffer.from('ab')), true);
  assert.equal(out.text(), '12345678ab');
  assert.equal(out.append(Buffer.from('c')), false);
});

test('a multi-byte character split between chunks decodes whole', () => {
  const out = new BoundedOutput();
  const bytes = Buffer.from('µs €');
  out.append(bytes.subarray(0, 1));
  out.append(bytes.subarray(1, 5));
  out.append(bytes.subarray(5));
  assert.equal(out.text(), 'µs €');
});

test('release drops the output', () => {
  const out = new BoundedOutput();
  out.append(Buffer.from('something'));
  out.release();
  assert.equal(out.text(), '');
  assert.equal(out.size, 0);
});
