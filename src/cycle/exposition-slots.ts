// Expositions cross from the collection thread to the serving thread through a few shared-memory
// slots that are reused cycle after cycle. Moving a fresh 10–20 MB buffer into the serving thread every
// cycle made V8 count it as new external memory there, and V8 answers external memory growth with
// mark-compact collections and marking steps of up to 25 ms on that thread: the stall this mode exists
// to avoid. A slot is allocated once (and again only when an exposition outgrows it).
//
// The control array, shared by both threads:
//   [0]      the sequence number of the exposition the serving thread serves now (its acknowledgement)
//   [1 + i]  responses still writing slot i (the serving thread holds and releases them)
//   [1 + SLOT_LIMIT + i]  the sequence last written into slot i, stored after its bytes and loaded
//            before they are read, so that the bytes are ordered before the reads by the memory model
//            and not only by the message queue
// The collection thread writes only into a slot that is neither served nor published-but-unacknowledged
// nor held by a response in flight. The serving thread acknowledges a sequence only after it stopped
// handing out the older slot for new responses, and holds a slot before it writes a response from it,
// so a slot the collection thread sees as free stays free while it is written.

/** Slots at most: the served one, one published but not yet acknowledged, and a few held by slow clients. */
export const SLOT_LIMIT = 6;
const ACKNOWLEDGED = 0;
const HELD = 1;
const WRITTEN = HELD + SLOT_LIMIT;
/** Slots grow in steps of this size, with a quarter of headroom, so that growing is rare. */
const SLOT_ROUNDING = 64 * 1024;

/** The control array both threads share (the serving thread creates it and passes it at start). */
export function createSlotControl(): SharedArrayBuffer {
  return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * (WRITTEN + SLOT_LIMIT));
}

/** Bytes written into a slot, one after the other; `memory` is sent only when the slot is new or was replaced. */
export interface InSlot {
  slot: number;
  seq: number;
  lengths: number[];
  memory?: SharedArrayBuffer;
}

/** The collection thread's side: picks a free slot and copies the exposition into it. */
export class SlotWriter {
  private readonly control: Int32Array;
  private readonly memory: (SharedArrayBuffer | undefined)[] = [];
  /** The sequence last published in each slot (0: never). */
  private readonly published: number[] = new Array(SLOT_LIMIT).fill(0);
  private seq = 0;

  constructor(control: SharedArrayBuffer) {
    this.control = new Int32Array(control);
  }

  /**
   * Copies `parts` into a free slot under the next sequence number. Without `inSlot`, every slot is in
   * use (slow clients hold them): the caller then moves fresh buffers under that `seq`, as without slots.
   */
  write(parts: readonly Uint8Array[]): { seq: number; inSlot?: InSlot } {
    this.seq += 1;
    const seq = this.seq;
    const needed = parts.reduce((n, p) => n + p.byteLength, 0);
    const slot = this.freeSlot(needed);
    if (slot === undefined) return { seq };
    let memory = this.memory[slot];
    let fresh: SharedArrayBuffer | undefined;
    if (!memory || memory.byteLength < needed) {
      const size = Math.ceil((needed * 1.25) / SLOT_ROUNDING) * SLOT_ROUNDING;
      memory = fresh = new SharedArrayBuffer(size);
      this.memory[slot] = memory;
    }
    const bytes = new Uint8Array(memory);
    let offset = 0;
    for (const part of parts) {
      bytes.set(part, offset);
      offset += part.byteLength;
    }
    this.published[slot] = seq;
    Atomics.store(this.control, WRITTEN + slot, seq);
    const inSlot = { slot, seq, lengths: parts.map((p) => p.byteLength), ...(fresh && { memory: fresh }) };
    return { seq, inSlot };
  }

  /** A free slot large enough if there is one, else any free slot (replaced), else a new one. */
  private freeSlot(needed: number): number | undefined {
    // Read the acknowledgement first: holds of the slots it frees happened before it (see the top).
    const acknowledged = Atomics.load(this.control, ACKNOWLEDGED);
    let anyFree: number | undefined;
    for (let i = 0; i < SLOT_LIMIT; i++) {
      const used = this.memory[i] !== undefined;
      if (used && (this.published[i] as number) >= acknowledged) continue;
      if (Atomics.load(this.control, HELD + i) !== 0) continue;
      if (!used) {
        anyFree ??= i;
        continue;
      }
      if ((this.memory[i] as SharedArrayBuffer).byteLength >= needed) return i;
      anyFree ??= i;
    }
    return anyFree;
  }
}

/** The serving thread's side: views of the slots, holds, acknowledgements. */
export class SlotReader {
  private readonly control: Int32Array;
  private readonly memory: (SharedArrayBuffer | undefined)[] = [];

  constructor(control: SharedArrayBuffer) {
    this.control = new Int32Array(control);
  }

  /**
   * The parts (views, not copies), valid while the slot is the acknowledged one or held, and a hold
   * that keeps the slot from being rewritten.
   */
  read(message: InSlot): { parts: Buffer[]; hold: () => () => void } {
    this.accept(message);
    const memory = this.memory[message.slot];
    if (!memory) throw new Error(`slot ${message.slot} arrived without its memory`);
    const written = Atomics.load(this.control, WRITTEN + message.slot);
    if (written !== message.seq) {
      throw new Error(
        `slot ${message.slot} holds ${written}, not ${message.seq}: it was rewritten too early`,
      );
    }
    const index = HELD + message.slot;
    const control = this.control;
    let offset = 0;
    const parts = message.lengths.map((length) => {
      const view = Buffer.from(memory, offset, length);
      offset += length;
      return view;
    });
    return {
      parts,
      hold: () => {
        Atomics.add(control, index, 1);
        let released = false;
        return () => {
          if (released) return;
          released = true;
          Atomics.sub(control, index, 1);
        };
      },
    };
  }

  /**
   * Takes a slot's new memory when it comes along. Every message must pass here when it arrives, read
   * or not: the memory comes only once per slot.
   */
  accept(message: InSlot): void {
    if (message.memory) this.memory[message.slot] = message.memory;
  }

  /** Called once `seq` is the one new readers get: older slots may be rewritten. */
  acknowledge(seq: number): void {
    Atomics.store(this.control, ACKNOWLEDGED, seq);
  }
}
