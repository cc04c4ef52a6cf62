import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createSlotControl,
  type InSlot,
  SLOT_LIMIT,
  SlotReader,
  SlotWriter,
} from '../../../src/cycle/exposition-slots.ts';

const bytes = (s: string) => Buffer.from(s, 'utf8');

/** Both threads' sides in one: what the collection thread writes, what the serving thread sees. */
function pair() {
  const control = createSlotControl();
  const writer = new SlotWriter(control);
  const reader = new SlotReader(control);
  const publish = (text: string, gzip = 'gz') => writer.write([bytes(text), bytes(gzip)]).inSlot;
  return { writer, reader, publish };
}

describe('exposition slots', () => {
  it('hands the serving thread views of exactly the bytes written, memory sent once per slot', () => {
    const { reader, publish } = pair();
    const first = publish('cycle 1\n', 'gzip 1') as InSlot;
    assert.ok(first.memory, 'a new slot sends its memory');
    const { parts } = reader.read(first);
    assert.deepEqual(
      parts.map((p) => p.toString()),
      ['cycle 1\n', 'gzip 1'],
    );
    reader.acknowledge(first.seq);
    // Alternates between slots; the second use of a slot reuses its memory.
    const second = publish('cycle 2\n') as InSlot;
    reader.read(second);
    reader.acknowledge(second.seq);
    const third = publish('cycle 3\n') as InSlot;
    assert.equal(third.slot, first.slot);
    assert.equal(third.memory, undefined);
    assert.equal(reader.read(third).parts[0]?.toString(), 'cycle 3\n');
  });

  it('never writes the served slot, one published but not acknowledged, or one a response holds', () => {
    const { reader, publish } = pair();
    const served = publish('served') as InSlot;
    const { hold } = reader.read(served);
    reader.acknowledge(served.seq);
    const release = hold(); // a slow client is still reading it
    const pending = publish('pending') as InSlot; // not acknowledged yet
    reader.accept(pending);
    const used = new Set([served.slot, pending.slot]);
    for (let i = 0; i < SLOT_LIMIT - 2; i++) {
      const next = publish(`more ${i}`) as InSlot;
      assert.ok(!used.has(next.slot), `slot ${next.slot} is in use`);
      used.add(next.slot);
      reader.accept(next);
    }
    // Every slot is served, pending or not yet acknowledged: the caller moves this one instead.
    assert.equal(publish('no slot'), undefined);
    // The serving thread moves on to the newest: all older slots but the held one come free.
    reader.acknowledge(SLOT_LIMIT);
    const reused = publish('reused') as InSlot;
    assert.notEqual(reused.slot, served.slot, 'the held slot is not rewritten');
    assert.equal(reader.read(served).parts[0]?.toString(), 'served');
    release();
    release(); // a second release (close after an error) counts once
    reader.acknowledge(reused.seq);
    const seen = new Set<number>();
    for (let i = 0; i < SLOT_LIMIT; i++) {
      const next = publish(`after ${i}`) as InSlot;
      if (!next) break;
      seen.add(next.slot);
      reader.accept(next);
    }
    assert.ok(seen.has(served.slot), 'a released slot is used again');
  });

  it('replaces a slot an exposition outgrows, and the serving thread reads the new memory', () => {
    const { reader, publish } = pair();
    const small = publish('small') as InSlot;
    reader.read(small);
    reader.acknowledge(small.seq);
    const other = publish('other') as InSlot;
    reader.read(other);
    reader.acknowledge(other.seq);
    const big = 'x'.repeat(200_000);
    const grown = publish(big) as InSlot;
    assert.equal(grown.slot, small.slot);
    assert.ok(grown.memory && grown.memory.byteLength >= big.length + 2, 'a larger memory comes along');
    assert.equal(reader.read(grown).parts[0]?.toString(), big);
  });
});
