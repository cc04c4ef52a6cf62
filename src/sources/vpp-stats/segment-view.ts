import { POINTER_SIZE, VEC_LENGTH_OFFSET } from './segment-layout.ts';

/** Positional reads of the segment file: `/proc/<pid>/fd/<n>` of VPP's memfd, or any readable copy. */
export interface SegmentFile {
  /** Bytes in the file; nothing at or past this offset is ever read. */
  readonly size: number;
  /** Reads into `target` from `position`; returns the number of bytes read (fewer at the end of the file). */
  readAt(target: Buffer, position: number): number;
}

/** Why the segment could not be read. The reason becomes a label, so the set is closed. */
export type SegmentFailure = 'version' | 'corrupt' | 'busy' | 'io';

export class SegmentError extends Error {
  constructor(
    readonly reason: SegmentFailure,
    message: string,
  ) {
    super(message);
    this.name = 'SegmentError';
  }
}

const BLOCK_SIZE = 32 * 1024;
/** Blocks kept for the next read: what a read of 10,000 interfaces touches, not what a damaged one did. */
const MAX_SPARE_BLOCKS = 256;
const TWO_32 = 2 ** 32;

/** A little-endian u64 of `buf` at `at` as a number (exact below 2^53, which counters do not reach). */
export function readU64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * TWO_32;
}

/**
 * One read attempt's window on the segment: file blocks fetched on first use and kept for this attempt
 * only (counters change between attempts), and every pointer and length checked against the file size,
 * so a corrupt or truncated segment raises a SegmentError instead of reading out of bounds or
 * allocating what a garbage length asks for.
 */
export class SegmentView {
  private readonly blocks = new Map<number, Buffer>();

  constructor(
    private readonly file: SegmentFile,
    /** VPP's address of the segment's first byte (the header's `base`). */
    readonly base: number,
    /** Blocks of earlier reads to fill again: a read at 10,000 interfaces touches megabytes. */
    private readonly spare: Buffer[] = [],
    /** The most distinct bytes one read may look at (its blocks are kept until `release`). */
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {}

  /** Hands this read's blocks back for the next read; nothing read through this view may be used after. */
  release(): void {
    for (const block of this.blocks.values()) {
      if (block.length === BLOCK_SIZE && this.spare.length < MAX_SPARE_BLOCKS) this.spare.push(block);
    }
    this.blocks.clear();
  }

  get size(): number {
    return this.file.size;
  }

  u32(offset: number): number {
    this.check(offset, 4);
    const [block, at] = this.locate(offset);
    if (at + 4 <= block.length) return block.readUInt32LE(at);
    return this.bytes(offset, 4).readUInt32LE(0);
  }

  /** An unsigned 64-bit value as a number (exact below 2^53, which counters do not reach in practice). */
  u64(offset: number): number {
    this.check(offset, 8);
    const [block, at] = this.locate(offset);
    return at + 8 <= block.length ? readU64(block, at) : readU64(this.bytes(offset, 8), 0);
  }

  /** A copy of `length` bytes at `offset`, or a view of a cached block when it lies in one. */
  bytes(offset: number, length: number): Buffer {
    this.check(offset, length);
    const [block, at] = this.locate(offset);
    if (at + length <= block.length) return block.subarray(at, at + length);
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const [b, a] = this.locate(offset + done);
      const n = Math.min(length - done, b.length - a);
      b.copy(out, done, a, a + n);
      done += n;
    }
    return out;
  }

  /** The file offset of a VPP pointer to `length` bytes; a null or out-of-file pointer is corruption. */
  offsetOf(pointer: number, length: number, what: string): number {
    const offset = pointer - this.base;
    if (pointer === 0 || offset < 0 || offset + length > this.size) {
      throw new SegmentError(
        'corrupt',
        `${what}: pointer 0x${pointer.toString(16)} is outside the segment (base 0x${this.base.toString(16)}, ${this.size} bytes)`,
      );
    }
    return offset;
  }

  /**
   * A VPP vector: its file offset and element count. The count is checked against the room left in the
   * file, so a garbage length cannot make the caller loop or allocate beyond the segment's size.
   */
  vector(pointer: number, elementSize: number, what: string): { offset: number; length: number } {
    const offset = this.offsetOf(pointer, 0, what);
    if (offset + VEC_LENGTH_OFFSET < 0)
      throw new SegmentError('corrupt', `${what}: vector header before the segment`);
    const length = this.u32(offset + VEC_LENGTH_OFFSET);
    if (offset + length * elementSize > this.size) {
      throw new SegmentError(
        'corrupt',
        `${what}: ${length} elements of ${elementSize} bytes at offset ${offset} pass the end of the segment (${this.size} bytes)`,
      );
    }
    return { offset, length };
  }

  /** The pointers of a vector of pointers (VPP's per-thread and name vectors), at most `maxLength`. */
  pointers(pointer: number, what: string, maxLength = Number.POSITIVE_INFINITY): number[] {
    const { offset, length } = this.vector(pointer, POINTER_SIZE, what);
    if (length > maxLength)
      throw new SegmentError('corrupt', `${what}: ${length} entries, more than ${maxLength}`);
    const out = new Array<number>(length);
    for (let i = 0; i < length; i++) out[i] = this.u64(offset + i * POINTER_SIZE);
    return out;
  }

  private check(offset: number, length: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new SegmentError(
        'corrupt',
        `read of ${length} bytes at offset ${offset} is outside the segment (${this.size} bytes)`,
      );
    }
  }

  private locate(offset: number): [Buffer, number] {
    const index = Math.floor(offset / BLOCK_SIZE);
    let block = this.blocks.get(index);
    if (!block) {
      if ((this.blocks.size + 1) * BLOCK_SIZE > this.maxBytes) {
        throw new SegmentError(
          'corrupt',
          `one read would look at more than ${this.maxBytes / 2 ** 20} MiB of the segment`,
        );
      }
      const start = index * BLOCK_SIZE;
      const length = Math.min(BLOCK_SIZE, this.size - start);
      const buf = (length === BLOCK_SIZE && this.spare.pop()) || Buffer.allocUnsafe(length);
      let n: number;
      try {
        n = this.file.readAt(buf, start);
      } catch (err) {
        throw new SegmentError('io', `reading the segment at offset ${start}: ${(err as Error).message}`);
      }
      // The file shrank under us (a truncated copy): what is missing is not there to read.
      if (n < buf.length)
        throw new SegmentError('corrupt', `the segment ends at ${start + n} bytes, not ${this.size}`);
      block = buf;
      this.blocks.set(index, block);
    }
    return [block, offset - index * BLOCK_SIZE];
  }
}
