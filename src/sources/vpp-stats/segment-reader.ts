import { setTimeout as sleep } from 'node:timers/promises';
import {
  COMBINED_COUNTER_SIZE,
  ENTRY,
  EntryType,
  HEADER,
  SEGMENT_VERSION,
  SIMPLE_COUNTER_SIZE,
} from './segment-layout.ts';
import { readU64, SegmentError, type SegmentFile, SegmentView } from './segment-view.ts';

/** What one consistent read of the segment gives: every counter summed over VPP's threads. */
export interface StatsSegmentData {
  /** The directory epoch the read saw (it moves whenever VPP adds or removes entries). */
  epoch: number;
  /** Per-thread vectors of a counter: 1 for VPP's main thread plus one per worker. */
  threads: number;
  /** sw_if_index → interface name; undefined where VPP deleted the interface. */
  interfaceNames: readonly (string | undefined)[];
  /** `/if/<counter>` simple counters by sw_if_index, e.g. `drops`, `rx-miss`. */
  interfaceSimple: ReadonlyMap<string, Float64Array>;
  /** `/if/<counter>` combined counters by sw_if_index, e.g. `rx`, `tx-unicast`. */
  interfaceCombined: ReadonlyMap<string, { packets: Float64Array; bytes: Float64Array }>;
  /** `/err/<node>/<counter>` error counters that are not zero (most of the thousands VPP registers are). */
  errors: readonly StatsErrorCounter[];
  /** How many error counters VPP registered. */
  errorCounters: number;
  /** Scalar and gauge entries by full name (`/sys/vector_rate`, `/buffer-pools/<pool>/cached`). */
  values: ReadonlyMap<string, number>;
  /** `/mem/<heap>/<field>` (total, used, free bytes) by heap name. */
  heaps: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

export interface StatsErrorCounter {
  node: string;
  counter: string;
  value: number;
}

export interface SegmentReaderOptions {
  /** Attempts before a segment that keeps changing under the read is reported busy. */
  maxAttempts?: number;
  /** Pause between attempts, so VPP can finish what it is changing. */
  retryDelayMs?: number;
}

interface Symlink {
  target: number;
  element: number;
}

/** The directory decoded once per epoch: which entries the reader needs, by kind. */
interface DecodedDirectory {
  key: string;
  offset: number;
  types: Uint8Array;
  names: string[];
  ifNames?: number;
  /** `/sys/num_worker_threads`: per-thread vectors are bounded by it plus the main thread. */
  workerThreads?: number;
  ifSimple: { entry: number; counter: string }[];
  ifCombined: { entry: number; counter: string }[];
  errors: ({ node: string; counter: string } & Symlink)[];
  values: number[];
  heaps: ({ heap: string; field: string } & Symlink)[];
  /** Per vector symlinks point into: how many of its first elements they name (all that is read of it). */
  linked: Map<number, number>;
}

const HEARTBEAT = '/sys/heartbeat';
const WORKER_THREADS = '/sys/num_worker_threads';

/**
 * What one read may cost, whatever the segment says: a corrupt or hostile segment fails as `corrupt`
 * within these instead of taking the process's memory or its event loop. A VPP v26.06 of 10,000
 * interfaces and 8 worker threads (17 counters, 200 bytes per interface and thread) needs at most a
 * quarter of each; damaged segments fail on their own lengths long before
 * (test/unit/sources/stats-segment-bounds.test.ts).
 */
export const READ_BUDGET = {
  /** Directory entries (VPP v26.06 registers a few thousand, mostly error counters). */
  entries: 1 << 17,
  /** Counter elements summed over threads in one read. */
  elements: 16 * 1024 * 1024,
  /** Counter values kept from one read (the sums handed on). */
  values: 4 * 1024 * 1024,
  /** Distinct bytes of the segment looked at in one read (see SegmentView). */
  bytes: 64 * 1024 * 1024,
} as const;
/** Interfaces /if/names may name (a forwarder has hundreds; the bench reads 10,000). */
const MAX_INTERFACES = 1 << 17;
/** Bytes of one interface name (VPP's are under 64). */
const MAX_NAME_BYTES = 256;
/**
 * Elements a counter vector may have beyond /if/names: VPP validates a new interface's counters before
 * it names it, so a read can see a few more.
 */
const COUNTER_SLACK = 64;
const VALUE_PREFIXES = ['/sys/', '/buffer-pools/'];
const NUL = 0;
const DELETED = 'deleted';

/**
 * Reads VPP's statistics segment the way VPP's own stat client does: an optimistic read between two
 * looks at the header's epoch and in_progress flag, retried a bounded number of times when VPP changed
 * the directory meanwhile. The directory is decoded again only when its epoch (or the file) changes.
 * Every pointer and length is checked against the file size (see SegmentView).
 */
export class StatsSegmentReader {
  private directory?: DecodedDirectory;
  private interfaceNames?: { key: string; names: (string | undefined)[] };
  private readonly spareBlocks: Buffer[] = [];
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;

  constructor(options: SegmentReaderOptions = {}) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 1;
  }

  /**
   * One consistent read of `file`. `fileKey` names the file's identity (device and inode): a restarted
   * VPP has a new segment whose epoch may equal the old one's, so cached decoding is keyed by both.
   */
  async read(file: SegmentFile, fileKey: string): Promise<StatsSegmentData> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const data = this.attempt(file, fileKey);
      if (data) return data;
      this.directory = undefined;
      if (attempt < this.maxAttempts) await sleep(this.retryDelayMs);
    }
    throw new SegmentError('busy', `VPP kept changing the segment during ${this.maxAttempts} read attempts`);
  }

  /** A read between two looks at the header; undefined when VPP changed the directory meanwhile. */
  private attempt(file: SegmentFile, fileKey: string): StatsSegmentData | undefined {
    const header = readHeader(file);
    if (header.inProgress) return undefined;
    const unchanged = () => {
      const after = readHeader(file);
      return after.epoch === header.epoch && !after.inProgress;
    };
    let data: StatsSegmentData;
    const view = new SegmentView(file, header.base, this.spareBlocks, READ_BUDGET.bytes);
    try {
      const dir = this.decodeDirectory(
        view,
        `${fileKey}:${header.base}:${header.epoch}`,
        header.directoryVector,
      );
      data = this.readData(view, dir, header.epoch);
    } catch (err) {
      // A structure VPP was rewriting can look corrupt mid-change: only a settled segment is judged.
      if (err instanceof SegmentError && err.reason === 'corrupt' && !unchanged()) return undefined;
      throw err;
    } finally {
      view.release();
    }
    return unchanged() ? data : undefined;
  }

  private decodeDirectory(view: SegmentView, key: string, pointer: number): DecodedDirectory {
    if (this.directory?.key === key) return this.directory;
    const { offset, length } = view.vector(pointer, ENTRY.size, 'directory');
    if (length > READ_BUDGET.entries) {
      throw new SegmentError(
        'corrupt',
        `the directory has ${length} entries, more than the ${READ_BUDGET.entries} any VPP registers`,
      );
    }
    const all = view.bytes(offset, length * ENTRY.size);
    // Version 2 also names the layout of VPP 21.x (other type numbers, errors in the header); from 22.06
    // on, entry 0 is always the heartbeat. A directory of VPP names without it is that older layout; one
    // without names is damage, not a version.
    if (
      length === 0 ||
      all.toString('latin1', ENTRY.name, ENTRY.name + HEARTBEAT.length + 1) !== `${HEARTBEAT}\0`
    ) {
      if (length > 0 && looksLikeVppNames(all, Math.min(length, 8))) {
        throw new SegmentError(
          'version',
          `the directory does not start with ${HEARTBEAT}: a stats segment layout older than VPP 22.06`,
        );
      }
      throw new SegmentError(
        'corrupt',
        `the directory (${length} entries) does not start with ${HEARTBEAT} and holds no VPP names`,
      );
    }
    const dir: DecodedDirectory = {
      key,
      offset,
      types: new Uint8Array(length),
      names: new Array<string>(length),
      ifSimple: [],
      ifCombined: [],
      errors: [],
      values: [],
      heaps: [],
      linked: new Map(),
    };
    for (let i = 0; i < length; i++) {
      const at = i * ENTRY.size;
      const type = all.readUInt32LE(at + ENTRY.type);
      const nameStart = at + ENTRY.name;
      // Searched within the name field only: an unterminated name must not scan the rest of the directory.
      const nul = all.subarray(nameStart, nameStart + ENTRY.nameLength).indexOf(NUL);
      const nameEnd = nameStart + (nul === -1 ? ENTRY.nameLength : nul);
      const name = all.toString('utf8', nameStart, nameEnd);
      dir.types[i] = type > 255 ? EntryType.illegal : type;
      dir.names[i] = name;
      const link = (): Symlink => ({
        target: all.readUInt32LE(at + ENTRY.index1),
        element: all.readUInt32LE(at + ENTRY.index2),
      });
      if (name === WORKER_THREADS && (type === EntryType.scalar || type === EntryType.gauge)) {
        dir.workerThreads = i;
        dir.values.push(i);
      } else if (name.startsWith('/if/')) {
        const counter = name.slice(4);
        if (type === EntryType.nameVector && counter === 'names') dir.ifNames = i;
        else if (type === EntryType.simpleCounters) dir.ifSimple.push({ entry: i, counter });
        else if (type === EntryType.combinedCounters) dir.ifCombined.push({ entry: i, counter });
      } else if (name.startsWith('/err/') && type === EntryType.symlink) {
        const slash = name.indexOf('/', 5);
        if (slash > 5)
          dir.errors.push({ node: name.slice(5, slash), counter: name.slice(slash + 1), ...link() });
      } else if (name.startsWith('/mem/') && type === EntryType.symlink) {
        const slash = name.lastIndexOf('/');
        if (slash > 5)
          dir.heaps.push({ heap: name.slice(5, slash), field: name.slice(slash + 1), ...link() });
      } else if (
        (type === EntryType.scalar || type === EntryType.gauge) &&
        VALUE_PREFIXES.some((p) => name.startsWith(p))
      ) {
        dir.values.push(i);
      }
    }
    // Symlinks are checked, and what they need of their vectors counted, once per directory.
    for (const l of [...dir.errors, ...dir.heaps]) {
      if (l.target >= length || dir.types[l.target] !== EntryType.simpleCounters) {
        const name = 'node' in l ? `/err/${l.node}/${l.counter}` : `/mem/${l.heap}/${l.field}`;
        throw new SegmentError(
          'corrupt',
          `${name}: links to entry ${l.target}, which is not a simple counter vector`,
        );
      }
      dir.linked.set(l.target, Math.max(dir.linked.get(l.target) ?? 0, l.element + 1));
    }
    this.directory = dir;
    return dir;
  }

  private readData(view: SegmentView, dir: DecodedDirectory, epoch: number): StatsSegmentData {
    const entryValue = (i: number) => view.u64(dir.offset + i * ENTRY.size + ENTRY.value);
    const budget = new ReadBudget();
    const maxThreads = threadBound(dir, entryValue);
    const interfaceNames =
      dir.ifNames === undefined ? [] : this.readInterfaceNames(view, dir, entryValue(dir.ifNames), budget);
    // Interface counters are indexed by sw_if_index, as /if/names is.
    const ifCounters = { maxThreads, maxLength: interfaceNames.length + COUNTER_SLACK, budget };
    const simpleMemo = new Map<number, Float64Array>();
    const simple = (i: number): Float64Array => {
      let sums = simpleMemo.get(i);
      if (!sums) {
        sums = sumThreads(view, entryValue(i), SIMPLE_COUNTER_SIZE, dir.names[i] as string, {
          maxThreads,
          keep: dir.linked.get(i) ?? 0,
          budget,
        }).packets;
        simpleMemo.set(i, sums);
      }
      return sums;
    };
    let threads = 0;

    const ifSums = (entry: number, elementSize: number) =>
      sumThreads(view, entryValue(entry), elementSize, dir.names[entry] as string, ifCounters);
    const interfaceSimple = new Map<string, Float64Array>();
    for (const { entry, counter } of dir.ifSimple) {
      interfaceSimple.set(counter, ifSums(entry, SIMPLE_COUNTER_SIZE).packets);
    }
    const interfaceCombined = new Map<string, { packets: Float64Array; bytes: Float64Array }>();
    for (const { entry, counter } of dir.ifCombined) {
      const sums = ifSums(entry, COMBINED_COUNTER_SIZE);
      threads = Math.max(threads, sums.threads);
      interfaceCombined.set(counter, { packets: sums.packets, bytes: sums.bytes as Float64Array });
    }

    // Thousands of error counters, nearly all zero: objects only for the others. Indexed loops here and
    // below: this runs once a cycle, too rarely to be optimized, and an unoptimized for-of allocates
    // an iterator result per element.
    const errors: StatsErrorCounter[] = [];
    for (let k = 0; k < dir.errors.length; k++) {
      const e = dir.errors[k] as (typeof dir.errors)[number];
      const value = simple(e.target)[e.element];
      if (value) errors.push({ node: e.node, counter: e.counter, value });
    }
    const heaps = new Map<string, Map<string, number>>();
    for (let k = 0; k < dir.heaps.length; k++) {
      const h = dir.heaps[k] as (typeof dir.heaps)[number];
      const value = simple(h.target)[h.element];
      if (value === undefined) continue;
      let fields = heaps.get(h.heap);
      if (!fields) {
        fields = new Map();
        heaps.set(h.heap, fields);
      }
      fields.set(h.field, value);
    }
    const values = new Map<string, number>();
    for (let k = 0; k < dir.values.length; k++) {
      const i = dir.values[k] as number;
      values.set(dir.names[i] as string, entryValue(i));
    }

    return {
      epoch,
      threads,
      interfaceNames,
      interfaceSimple,
      interfaceCombined,
      errors,
      errorCounters: dir.errors.length,
      values,
      heaps,
    };
  }

  /** `/if/names`, decoded again only when the directory or the vector moved. */
  private readInterfaceNames(
    view: SegmentView,
    dir: DecodedDirectory,
    pointer: number,
    budget: ReadBudget,
  ): (string | undefined)[] {
    const key = `${dir.key}:${pointer}`;
    if (this.interfaceNames?.key === key) return this.interfaceNames.names;
    const pointers = view.pointers(pointer, '/if/names', MAX_INTERFACES);
    budget.keep(pointers.length, '/if/names');
    const names = pointers.map((p, i) => {
      if (p === 0) return undefined;
      const { offset, length } = view.vector(p, 1, `/if/names[${i}]`);
      if (length > MAX_NAME_BYTES) {
        throw new SegmentError('corrupt', `/if/names[${i}]: ${length} bytes, longer than any interface name`);
      }
      const bytes = view.bytes(offset, length);
      const nul = bytes.indexOf(NUL);
      const name = bytes.toString('utf8', 0, nul === -1 ? length : nul);
      // VPP keeps a deleted interface's slot and renames it.
      return name === DELETED || name === '' ? undefined : name;
    });
    this.interfaceNames = { key, names };
    return names;
  }
}

interface Header {
  version: number;
  base: number;
  epoch: number;
  inProgress: boolean;
  directoryVector: number;
}

function readHeader(file: SegmentFile): Header {
  if (file.size < HEADER.size) {
    throw new SegmentError(
      'corrupt',
      `the segment is ${file.size} bytes, shorter than its ${HEADER.size}-byte header`,
    );
  }
  const b = Buffer.allocUnsafe(HEADER.size);
  let n: number;
  try {
    n = file.readAt(b, 0);
  } catch (err) {
    throw new SegmentError('io', `reading the segment header: ${(err as Error).message}`);
  }
  if (n < HEADER.size) throw new SegmentError('corrupt', `the segment ends at ${n} bytes, inside its header`);
  const u64 = (at: number) => readU64(b, at);
  const version = u64(HEADER.version);
  if (version !== SEGMENT_VERSION) {
    // VPP has numbered its layouts from 1; a zeroed or overwritten header is damage, not a version.
    const plausible = version >= 1 && version <= MAX_PLAUSIBLE_VERSION;
    throw new SegmentError(
      plausible ? 'version' : 'corrupt',
      plausible
        ? `stats segment version ${version}, this reader knows version ${SEGMENT_VERSION} (VPP 22.02 and later)`
        : `stats segment version ${version} is no version VPP writes: the header is damaged`,
    );
  }
  return {
    version,
    base: u64(HEADER.base),
    epoch: u64(HEADER.epoch),
    inProgress: u64(HEADER.inProgress) !== 0,
    directoryVector: u64(HEADER.directoryVector),
  };
}

/** The highest segment version taken for a real (other) VPP layout rather than damage. */
const MAX_PLAUSIBLE_VERSION = 16;
const TWO_32 = 2 ** 32;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Threads beyond this are not a VPP (one main thread plus workers, one per core at most). */
const MAX_THREADS = 1024;

/** Per-thread vectors a counter may have: the main thread and the workers the segment names. */
function threadBound(dir: DecodedDirectory, entryValue: (i: number) => number): number {
  if (dir.workerThreads === undefined) return MAX_THREADS;
  const workers = entryValue(dir.workerThreads);
  if (workers + 1 > MAX_THREADS) {
    throw new SegmentError('corrupt', `${WORKER_THREADS} is ${workers}, more than any VPP runs`);
  }
  return workers + 1;
}

/** What is left of READ_BUDGET in one read. */
class ReadBudget {
  private elements: number = READ_BUDGET.elements;
  private values: number = READ_BUDGET.values;

  /** Counter elements about to be summed. */
  sum(n: number, what: string): void {
    this.elements -= n;
    if (this.elements < 0) {
      throw new SegmentError(
        'corrupt',
        `${what}: one read would sum more than ${READ_BUDGET.elements} counter elements`,
      );
    }
  }

  /** Values about to be kept. */
  keep(n: number, what: string): void {
    this.values -= n;
    if (this.values < 0) {
      throw new SegmentError(
        'corrupt',
        `${what}: one read would keep more than ${READ_BUDGET.values} counter values`,
      );
    }
  }
}

interface SumBounds {
  maxThreads: number;
  /** A longer per-thread vector is corruption. */
  maxLength?: number;
  /** Only this many first elements are read (symlink targets). */
  keep?: number;
  budget: ReadBudget;
}

/** A counter vector summed over its per-thread vectors; `bytes` only for combined counters. */
function sumThreads(
  view: SegmentView,
  pointer: number,
  elementSize: number,
  what: string,
  bounds: SumBounds,
): { packets: Float64Array; bytes?: Float64Array; threads: number } {
  const perThread = view.pointers(pointer, `${what} per-thread vectors`, bounds.maxThreads);
  const vectors = perThread.map((p, t) => {
    const v = view.vector(p, elementSize, `${what} thread ${t}`);
    if (bounds.maxLength !== undefined && v.length > bounds.maxLength) {
      throw new SegmentError(
        'corrupt',
        `${what} thread ${t}: ${v.length} elements, more than the ${bounds.maxLength} /if/names allows`,
      );
    }
    return bounds.keep === undefined ? v : { offset: v.offset, length: Math.min(v.length, bounds.keep) };
  });
  const length = vectors.reduce((m, v) => Math.max(m, v.length), 0);
  bounds.budget.sum(
    vectors.reduce((n, v) => n + v.length, 0),
    what,
  );
  const combined = elementSize === COMBINED_COUNTER_SIZE;
  bounds.budget.keep(combined ? 2 * length : length, what);
  const packets = new Float64Array(length);
  const bytes = combined ? new Float64Array(length) : undefined;
  const words = elementSize / 4;
  for (const v of vectors) {
    const buf = view.bytes(v.offset, v.length * elementSize);
    // Counters are 8-byte aligned in the segment and in our blocks: read them as 32-bit words
    // (little-endian, like every host VPP runs on) without a bounds-checked call per word.
    const u32 =
      buf.byteOffset % 4 === 0 && LITTLE_ENDIAN
        ? new Uint32Array(buf.buffer, buf.byteOffset, v.length * words)
        : Uint32Array.from({ length: v.length * words }, (_, k) => buf.readUInt32LE(k * 4));
    for (let i = 0, w = 0; i < v.length; i++, w += words) {
      (packets[i] as number) += (u32[w] as number) + (u32[w + 1] as number) * TWO_32;
      if (bytes) (bytes[i] as number) += (u32[w + 2] as number) + (u32[w + 3] as number) * TWO_32;
    }
  }
  return { packets, bytes, threads: perThread.length };
}

/** Whether the first `n` directory entries are named as VPP names its entries (`/sys/…`, printable). */
function looksLikeVppNames(all: Buffer, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const start = i * ENTRY.size + ENTRY.name;
    const field = all.subarray(start, start + ENTRY.nameLength);
    const nul = field.indexOf(NUL);
    const name = field.toString('latin1', 0, nul === -1 ? ENTRY.nameLength : nul);
    if (!/^\/[\x21-\x7e]+$/.test(name)) return false;
  }
  return true;
}
