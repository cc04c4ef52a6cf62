import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { SegmentFile } from './segment-view.ts';

/** Larger than any statseg VPP is configured with (default 32 MB): a file this big is not a segment. */
const MAX_SEGMENT_BYTES = 4 * 1024 * 1024 * 1024;

export interface OpenSegment {
  file: SegmentFile;
  /** Device and inode: a restarted VPP's new memfd has another. */
  key: string;
  close(): void;
}

/**
 * Opens the segment read-only for one cycle. Through `/proc/<pid>/fd/<n>` this is VPP's own memfd, so
 * positional reads see VPP's live counters with no copy of the whole segment and no request to VPP.
 * Reads of a memfd or a regular file never block on anything but memory, so they are synchronous.
 */
export function openSegmentFile(path: string): OpenSegment {
  // Non-blocking: opening a FIFO (or a device) named by mistake would otherwise wait for a writer
  // forever; it is refused below as not a regular file. Reads of a regular file or memfd ignore it.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`${path} is not a regular file or memfd`);
    if (st.size > MAX_SEGMENT_BYTES)
      throw new Error(`${path} is ${st.size} bytes, larger than any stats segment`);
    const size = st.size;
    let closed = false;
    return {
      key: `${st.dev}:${st.ino}`,
      file: {
        size,
        readAt: (target, position) => readSync(fd, target, 0, target.length, position),
      },
      close() {
        if (closed) return;
        closed = true;
        closeSync(fd);
      },
    };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}
