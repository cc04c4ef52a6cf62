/**
 * The layout of VPP's statistics segment (segment version 2: VPP 22.02 and later, checked on v26.06),
 * as VPP's own client reads it (`src/vlib/stats/shared.h`, `src/vpp-api/client/stat_client.c`,
 * `src/vppinfra/vec_bootstrap.h` in FDio/vpp). All integers are little-endian; every pointer in the
 * segment is VPP's own address, so its offset in the file is `pointer - header.base`.
 */

export const SEGMENT_VERSION = 2;

/** Shared header: u64 version, base, epoch, in_progress, directory_vector. */
export const HEADER = {
  version: 0,
  base: 8,
  epoch: 16,
  inProgress: 24,
  directoryVector: 32,
  size: 40,
} as const;

/** A directory entry: u32 type, 4 bytes padding, an 8-byte union (value, pointer or two u32 indexes), name[128]. */
export const ENTRY = {
  type: 0,
  value: 8,
  index1: 8,
  index2: 12,
  name: 16,
  nameLength: 128,
  size: 144,
} as const;

/**
 * `stat_directory_type_t` (v26.06). Scalars and gauges hold an unsigned 64-bit integer in the union;
 * counter and name vectors a pointer; symlinks the directory index of their target (index1) and the
 * element in it (index2).
 */
export const EntryType = {
  illegal: 0,
  scalar: 1,
  simpleCounters: 2,
  combinedCounters: 3,
  nameVector: 4,
  empty: 5,
  symlink: 6,
  gauge: 9,
} as const;

/** vec_bootstrap.h: a vector's u32 length sits 8 bytes before its first element. */
export const VEC_LENGTH_OFFSET = -8;

/** A simple counter is a u64; a combined counter two (packets, bytes). */
export const SIMPLE_COUNTER_SIZE = 8;
export const COMBINED_COUNTER_SIZE = 16;
export const POINTER_SIZE = 8;
