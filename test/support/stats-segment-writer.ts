import { ENTRY, EntryType, HEADER, SEGMENT_VERSION } from '../../src/sources/vpp-stats/segment-layout.ts';
import type { SegmentFile } from '../../src/sources/vpp-stats/segment-view.ts';

/**
 * Lays out a stats segment byte for byte as VPP v26.06 does (header in the first page, a heap of
 * vectors after it, each vector's u32 length 8 bytes before its data, pointers as VPP addresses
 * relative to `base`), so the reader can be tested on segments with known contents and on every kind
 * of damage.
 */
type Entry =
  | { type: 'scalar' | 'gauge'; name: string; value: number }
  | { type: 'simple'; name: string; rows: number[][] }
  | { type: 'combined'; name: string; rows: [number, number][][] }
  | { type: 'names'; name: string; names: (string | null)[] }
  | { type: 'symlink'; name: string; target: string; element: number }
  | { type: 'empty' };

export interface BuiltSegment {
  bytes: Buffer;
  base: number;
  /** File offset of each entry's directory slot, by name. */
  entryOffset: Map<string, number>;
  /** File offset of each vector VPP would have allocated, by a short description. */
  vectorOffset: Map<string, number>;
}

export class SegmentWriter {
  private readonly entries: Entry[] = [];
  epoch = 1;
  inProgress = 0;
  version = SEGMENT_VERSION;

  constructor(
    readonly base = 0x7f0e8b8de000,
    readonly size = 4 * 1024 * 1024,
  ) {
    // VPP registers these three first, at fixed indexes.
    this.scalar('/sys/heartbeat', 7);
    this.scalar('/sys/last_stats_clear', 0);
    this.scalar('/sys/boottime', 1795966923);
  }

  scalar(name: string, value: number): this {
    this.entries.push({ type: 'scalar', name, value });
    return this;
  }

  gauge(name: string, value: number): this {
    this.entries.push({ type: 'gauge', name, value });
    return this;
  }

  /** A simple counter vector: `rows[thread][index]`. */
  simple(name: string, rows: number[][]): this {
    this.entries.push({ type: 'simple', name, rows });
    return this;
  }

  /** A combined counter vector: `rows[thread][index] = [packets, bytes]`. */
  combined(name: string, rows: [number, number][][]): this {
    this.entries.push({ type: 'combined', name, rows });
    return this;
  }

  names(name: string, names: (string | null)[]): this {
    this.entries.push({ type: 'names', name, names });
    return this;
  }

  symlink(name: string, target: string, element: number): this {
    this.entries.push({ type: 'symlink', name, target, element });
    return this;
  }

  empty(): this {
    this.entries.push({ type: 'empty' });
    return this;
  }

  build(): BuiltSegment {
    const buf = Buffer.alloc(this.size);
    const vectorOffset = new Map<string, number>();
    let next = 4096; // the heap starts after the header's page
    /** Allocates a vector as clib does: an 8-byte header (u32 length first) right before cache-aligned data. */
    const vector = (length: number, elementSize: number, what: string): number => {
      const data = Math.ceil((next + 8) / 64) * 64;
      buf.writeUInt32LE(length, data - 8);
      buf.writeUInt8((data - next) / 8, data - 4);
      next = data + Math.max(length * elementSize, 8);
      if (next > this.size) throw new Error(`segment of ${this.size} bytes is too small`);
      vectorOffset.set(what, data);
      return data;
    };
    const pointer = (offset: number) => this.base + offset;
    const u64 = (value: number, at: number) => buf.writeBigUInt64LE(BigInt(value), at);

    const indexOf = new Map<string, number>();
    this.entries.forEach((e, i) => {
      if (e.type !== 'empty') indexOf.set(e.name, i);
    });
    const dir = vector(this.entries.length, ENTRY.size, 'directory');
    const entryOffset = new Map<string, number>();
    this.entries.forEach((e, i) => {
      const at = dir + i * ENTRY.size;
      if (e.type === 'empty') {
        buf.writeUInt32LE(EntryType.empty, at);
        return;
      }
      entryOffset.set(e.name, at);
      buf.write(e.name.slice(0, ENTRY.nameLength - 1), at + ENTRY.name, 'utf8');
      switch (e.type) {
        case 'scalar':
        case 'gauge':
          buf.writeUInt32LE(e.type === 'scalar' ? EntryType.scalar : EntryType.gauge, at);
          u64(e.value, at + ENTRY.value);
          break;
        case 'simple':
        case 'combined': {
          const combined = e.type === 'combined';
          buf.writeUInt32LE(combined ? EntryType.combinedCounters : EntryType.simpleCounters, at);
          const rows = vector(e.rows.length, 8, `${e.name} threads`);
          e.rows.forEach((row, t) => {
            const data = vector(row.length, combined ? 16 : 8, `${e.name} thread ${t}`);
            row.forEach((v, j) => {
              if (Array.isArray(v)) {
                u64(v[0], data + j * 16);
                u64(v[1], data + j * 16 + 8);
              } else u64(v as number, data + j * 8);
            });
            u64(pointer(data), rows + t * 8);
          });
          u64(pointer(rows), at + ENTRY.value);
          break;
        }
        case 'names': {
          buf.writeUInt32LE(EntryType.nameVector, at);
          const list = vector(e.names.length, 8, `${e.name} list`);
          e.names.forEach((n, j) => {
            if (n === null) return;
            const bytes = Buffer.from(`${n}\0`, 'utf8');
            const data = vector(bytes.length, 1, `${e.name}[${j}]`);
            bytes.copy(buf, data);
            u64(pointer(data), list + j * 8);
          });
          u64(pointer(list), at + ENTRY.value);
          break;
        }
        case 'symlink': {
          buf.writeUInt32LE(EntryType.symlink, at);
          const target = indexOf.get(e.target);
          if (target === undefined) throw new Error(`symlink ${e.name}: no entry ${e.target}`);
          buf.writeUInt32LE(target, at + ENTRY.index1);
          buf.writeUInt32LE(e.element, at + ENTRY.index2);
          break;
        }
      }
    });
    u64(this.version, HEADER.version);
    u64(this.base, HEADER.base);
    u64(this.epoch, HEADER.epoch);
    u64(this.inProgress, HEADER.inProgress);
    u64(pointer(dir), HEADER.directoryVector);
    return { bytes: buf, base: this.base, entryOffset, vectorOffset };
  }
}

/** The 17 interface counters VPP v26.06 registers under `/if/`. */
export const IF_SIMPLE = [
  'drops',
  'punt',
  'ip4',
  'ip6',
  'rx-no-buf',
  'rx-miss',
  'rx-error',
  'tx-error',
  'mpls',
];
export const IF_COMBINED = [
  'rx',
  'rx-unicast',
  'rx-multicast',
  'rx-broadcast',
  'tx',
  'tx-unicast',
  'tx-multicast',
  'tx-broadcast',
];

export interface VppLikeSegment {
  interfaces: (string | null)[];
  /** Value of a simple counter per thread and interface. */
  simple?: (counter: string, thread: number, swIfIndex: number) => number;
  /** [packets, bytes] of a combined counter per thread and interface. */
  combined?: (counter: string, thread: number, swIfIndex: number) => [number, number];
  threads?: number;
  errors?: { node: string; counter: string; perThread: number[] }[];
}

/** A segment shaped like a running VPP's: `/sys/`, `/mem/`, `/buffer-pools/`, `/node/errors` + `/err/`, `/if/` + `/interfaces/`. */
export function vppLikeSegment(spec: VppLikeSegment, writer = new SegmentWriter()): SegmentWriter {
  const threads = spec.threads ?? 1;
  const rows = <T>(value: (t: number, i: number) => T): T[][] =>
    Array.from({ length: threads }, (_, t) => spec.interfaces.map((_, i) => value(t, i)));
  writer
    .simple('/mem/stat segment', [[33550336, 553392, 32996944, 0, 33550336, 65, 32914544]])
    .symlink('/mem/stat segment/used', '/mem/stat segment', 1)
    .symlink('/mem/stat segment/total', '/mem/stat segment', 0)
    .symlink('/mem/stat segment/free', '/mem/stat segment', 2)
    .gauge('/sys/vector_rate', 3)
    .gauge('/buffer-pools/default-numa-0/cached', 12)
    .gauge('/buffer-pools/default-numa-0/used', 84)
    .gauge('/buffer-pools/default-numa-0/available', 2989)
    .gauge('/sys/num_worker_threads', threads - 1);
  const errors = spec.errors ?? [];
  writer.simple(
    '/node/errors',
    Array.from({ length: threads }, (_, t) => errors.map((e) => e.perThread[t] ?? 0)),
  );
  errors.forEach((e, i) => {
    writer.symlink(`/err/${e.node}/${e.counter}`, '/node/errors', i);
  });
  writer.scalar('/sys/last_update', 60).gauge('/sys/input_rate', 150);
  for (const c of IF_SIMPLE)
    writer.simple(
      `/if/${c}`,
      rows((t, i) => spec.simple?.(c, t, i) ?? 0),
    );
  for (const c of IF_COMBINED)
    writer.combined(
      `/if/${c}`,
      rows((t, i) => spec.combined?.(c, t, i) ?? [0, 0]),
    );
  writer.names('/if/names', spec.interfaces);
  spec.interfaces.forEach((name, i) => {
    if (name === null) return;
    for (const c of [...IF_SIMPLE, ...IF_COMBINED]) writer.symlink(`/interfaces/${name}/${c}`, `/if/${c}`, i);
  });
  writer.simple('/mem/main heap', [[268435456, 30644976, 237790480, 0, 268435456, 640, 228707424]]);
  writer
    .symlink('/mem/main heap/used', '/mem/main heap', 1)
    .symlink('/mem/main heap/total', '/mem/main heap', 0)
    .symlink('/mem/main heap/free', '/mem/main heap', 2);
  return writer;
}

/** A SegmentFile over bytes in memory; `onRead` runs before each read (to change the segment mid-read). */
export function bufferFile(bytes: Buffer, onRead?: (position: number, count: number) => void): SegmentFile {
  let count = 0;
  return {
    get size() {
      return bytes.length;
    },
    readAt(target, position) {
      onRead?.(position, count++);
      return bytes.copy(target, 0, position, Math.min(bytes.length, position + target.length));
    },
  };
}
