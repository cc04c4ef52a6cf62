/** What a command may print before it is cut off as `too-large`; VPP's largest outputs here are a few MB. */
export const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;

/** Below this a buffer comes from the allocator's small pool; above it one mapping, returned whole when freed. */
const FIRST_CAPACITY = 256 * 1024;

/**
 * One command's output, copied as it arrives into a single buffer that doubles up to a cap.
 *
 * Why not an array of the socket's chunks: each read's buffer is a separate allocation, and tens of
 * thousands of them (an oversize output is ~500 of 64 KiB) freed out of order leave the C heap
 * fragmented, so RSS stayed ~15 MB higher for good after one rejected output. Here each chunk is
 * released as soon as it is copied (its slot is reused by the next read), and the large buffer is one
 * mapping (with the image's MALLOC_MMAP_THRESHOLD_) that goes back to the kernel when dropped.
 */
export class BoundedOutput {
  private buffer: Buffer | undefined;
  private length = 0;

  constructor(readonly cap: number = MAX_OUTPUT_BYTES) {}

  get size(): number {
    return this.length;
  }

  /** Keeps `chunk`; false (and nothing kept from it) when it would pass the cap. */
  append(chunk: Uint8Array): boolean {
    const needed = this.length + chunk.length;
    if (needed > this.cap) return false;
    if (!this.buffer || needed > this.buffer.length) {
      let capacity = Math.max(this.buffer?.length ?? FIRST_CAPACITY / 2, FIRST_CAPACITY / 2);
      while (capacity < needed) capacity *= 2;
      // Not from Buffer's shared pool: the whole allocation must be freed when this output is.
      const grown = Buffer.allocUnsafeSlow(Math.min(capacity, this.cap));
      if (this.buffer) this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.buffer.set(chunk, this.length);
    this.length = needed;
    return true;
  }

  text(): string {
    return this.buffer ? this.buffer.toString('utf8', 0, this.length) : '';
  }

  /** Drop what was kept now, not when the reader's closure is collected. */
  release(): void {
    this.buffer = undefined;
    this.length = 0;
  }
}
