import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineMetric } from '../../../src/exposition/metric-def.ts';
import { ExpositionWriter } from '../../../src/exposition/writer.ts';

const def = defineMetric({
  name: 'test_writer_sample',
  type: 'gauge',
  help: 'A family for the writer test.',
  labels: ['node', 'interface', 'index'],
  source: 'test',
});

const labels = (values: (string | number)[]) => new ExpositionWriter().labels(def, values).toString('utf8');

test('label sets: escaped, UTF-8 and numeric values; empty values left out', () => {
  assert.equal(labels(['n1', 'tap0', 3]), '{node="n1",interface="tap0",index="3"}');
  assert.equal(labels(['n1', 'a"b\\c\nd', 0]), '{node="n1",interface="a\\"b\\\\c\\nd",index="0"}');
  assert.equal(labels(['nœud-ü', '', 12.5]), '{node="nœud-ü",index="12.5"}');
  assert.equal(labels(['', 'eth0', '']), '{interface="eth0"}');
  assert.equal(labels(['', '', '']), '');
});

test('a label set larger than the scratch buffer comes out whole', () => {
  const long = `"${'é'.repeat(20_000)}`;
  const out = labels(['n1', long, 1]);
  assert.equal(out, `{node="n1",interface="\\"${'é'.repeat(20_000)}",index="1"}`);
});

test('label sets made one after another do not share bytes', () => {
  const w = new ExpositionWriter();
  const first = w.labels(def, ['n1', 'loop0', 0]);
  w.labels(def, ['n2', 'loop1', 1]);
  assert.equal(first.toString(), '{node="n1",interface="loop0",index="0"}');
});

test('a wrong number of label values is a programming error', () => {
  assert.throws(() => labels(['n1']), /label count mismatch/);
});

test('samples render after their family header, in order', () => {
  const w = new ExpositionWriter();
  w.sample(def, ['n1', 'tap0', 1], 42);
  w.sample(def, ['n1', 'tap1', 2], -1.5);
  assert.equal(
    Buffer.concat(w.renderParts()).toString(),
    '# HELP test_writer_sample A family for the writer test.\n# TYPE test_writer_sample gauge\n' +
      'test_writer_sample{node="n1",interface="tap0",index="1"} 42\n' +
      'test_writer_sample{node="n1",interface="tap1",index="2"} -1.5\n',
  );
});
