import type { MetricDef } from './metric-def.ts';

/**
 * Renders Prometheus text exposition (version 0.0.4) from plain values. The data families are
 * rendered once per cycle from an immutable snapshot, directly as text: prom-client's registry costs
 * several times more per series (see DESIGN.md).
 *
 * Hot path: a collector renders a label set once with `labels()` and passes the same string to every
 * family that shares it. Uniqueness of label sets is the collectors' job (one sample per interface,
 * tap, tunnel…, checked by name where they render), not a per-sample lookup here: that lookup was the
 * largest cost of a cycle (bench/).
 */
export class ExpositionWriter {
  private readonly families = new Map<MetricDef, FamilyBuffer>();

  /** Add one sample; `values` are the label values in the order of `def.labels`. */
  sample(def: MetricDef, values: readonly (string | number)[], value: number): void {
    this.sampleWithLabels(def, this.labels(def, values), value);
  }

  /** The `{…}` label set for `def` and these values as bytes, to pass to `sampleWithLabels`. */
  labels(def: MetricDef, values: readonly (string | number)[]): Buffer {
    return labelBytes(def.labels, values);
  }

  /** Add one sample whose label set was rendered by `labels()` for a family with the same label names. */
  sampleWithLabels(def: MetricDef, labels: Buffer, value: number): void {
    this.family(def).add(labels, value);
  }

  /** The buffer of one family, for loops that add many samples to it. */
  family(def: MetricDef): FamilyBuffer {
    let family = this.families.get(def);
    if (family === undefined) {
      family = new FamilyBuffer(def);
      this.families.set(def, family);
    }
    return family;
  }

  /**
   * The exposition as a list of byte ranges (each family's header and samples), families in the order
   * they first received a sample. A cycle joins the lists of all renderers with a single copy.
   */
  renderParts(): Buffer[] {
    const parts: Buffer[] = [];
    for (const [def, family] of this.families) {
      if (family.isEmpty()) continue;
      parts.push(
        Buffer.from(`# HELP ${def.name} ${escapeHelp(def.help)}\n# TYPE ${def.name} ${def.type}\n`),
        family.bytes(),
      );
    }
    return parts;
  }
}

/** Bytes each family needed when it was last rendered, keyed by its (module-constant) definition. */
const lastSize = new WeakMap<MetricDef, number>();

/**
 * One family's sample lines, written straight into a growing byte buffer: a cycle of 20,000 samples
 * then makes almost no garbage (string ropes made the garbage collector the largest cost).
 */
export class FamilyBuffer {
  private buf: Buffer;
  private len = 0;
  private readonly name: Buffer;

  constructor(private readonly def: MetricDef) {
    this.name = Buffer.from(def.name);
    // Start at the size this family reached last cycle: no growing copies, half the garbage.
    this.buf = Buffer.allocUnsafe(lastSize.get(def) ?? 16 * 1024);
  }

  add(labels: Buffer, value: number): void {
    this.reserve(this.name.length + labels.length + 32);
    this.copyIn(this.name);
    this.copyIn(labels);
    this.buf[this.len++] = 0x20;
    if (Number.isSafeInteger(value) && value >= 0) this.writeDigits(value);
    else this.len += this.buf.write(formatValue(value), this.len, 'latin1');
    this.buf[this.len++] = 0x0a;
  }

  /** TypedArray#set: a memcpy without Buffer#copy's argument checks. */
  private copyIn(src: Buffer): void {
    this.buf.set(src, this.len);
    this.len += src.length;
  }

  private writeDigits(value: number): void {
    let digits = 1;
    for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
    let at = this.len + digits - 1;
    let v = value;
    do {
      this.buf[at--] = 0x30 + (v % 10);
      v = Math.floor(v / 10);
    } while (v > 0);
    this.len += digits;
  }

  isEmpty(): boolean {
    return this.len === 0;
  }

  bytes(): Buffer {
    lastSize.set(this.def, Math.max(16 * 1024, Math.ceil(this.len * 1.05)));
    return this.buf.subarray(0, this.len);
  }

  private reserve(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + extra));
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }
}

/** Where label sets are assembled before their one copy out (one label set's worst case fits many times). */
const LABEL_SCRATCH = Buffer.allocUnsafe(64 * 1024);
const OPEN = 0x7b; // {
const COMMA = 0x2c;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const CLOSE = 0x7d; // }
const EMPTY = Buffer.alloc(0);

/**
 * The `{name="value",…}` bytes of a label set, written straight into a scratch buffer and copied out
 * once: building it as a string made several intermediate strings per label, the largest share of a
 * cycle's garbage (bench/). A set that could overflow the scratch buffer is written into one of its own.
 */
function labelBytes(names: readonly string[], values: readonly (string | number)[]): Buffer {
  if (names.length !== values.length) {
    throw new Error(`label count mismatch: ${names.join(',')} vs ${values.length} values`);
  }
  let bound = 2;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // Escaping at most doubles a value; UTF-8 takes at most 3 bytes per UTF-16 unit.
    bound += (names[i] as string).length + 4 + (typeof v === 'string' ? v.length * 6 : 24);
  }
  const out = bound > LABEL_SCRATCH.length ? Buffer.allocUnsafe(bound) : LABEL_SCRATCH;
  let at = 0;
  for (let i = 0; i < names.length; i++) {
    const v = values[i];
    // An empty label is the same as no label to Prometheus: leave it out to keep the text small.
    if (v === '' || v === undefined) continue;
    out[at] = at === 0 ? OPEN : COMMA;
    at += 1;
    at += out.write(names[i] as string, at, 'latin1');
    out[at] = EQUALS;
    out[at + 1] = QUOTE;
    at += 2;
    at += out.write(typeof v === 'number' ? String(v) : escapeLabel(v), at, 'utf8');
    out[at] = QUOTE;
    at += 1;
  }
  if (at === 0) return EMPTY;
  out[at] = CLOSE;
  return out === LABEL_SCRATCH ? Buffer.from(out.subarray(0, at + 1)) : out.subarray(0, at + 1);
}

export function escapeLabel(value: string): string {
  return /[\\"\n]/.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
    : value;
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}
