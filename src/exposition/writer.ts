import type { MetricDef } from './metric-def.ts';

/**
 * Renders Prometheus text exposition (version 0.0.4) from plain values. prom-client's registry costs
 * several times more per series (see DESIGN.md), and the data families are rendered once per cycle
 * from an immutable snapshot, so they are written directly.
 */
export class ExpositionWriter {
  private readonly families = new Map<string, FamilyBuffer>();

  /** Add one sample. `labels` are the label values in the order of `def.labels`. */
  sample(def: MetricDef, labels: readonly (string | number)[], value: number): void {
    let family = this.families.get(def.name);
    if (!family) {
      family = { def, lines: [], seen: new Set() };
      this.families.set(def.name, family);
    }
    const rendered = renderLabels(def.labels, labels);
    // Two samples with the same labels make the whole family invalid for Prometheus: keep the first.
    if (family.seen.has(rendered)) {
      family.duplicates = (family.duplicates ?? 0) + 1;
      return;
    }
    family.seen.add(rendered);
    family.lines.push(`${def.name}${rendered} ${formatValue(value)}`);
  }

  /** Families that received duplicate label sets, with how many samples were dropped. */
  duplicates(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [name, f] of this.families) if (f.duplicates) out.set(name, f.duplicates);
    return out;
  }

  render(): string {
    const parts: string[] = [];
    for (const { def, lines } of this.families.values()) {
      parts.push(`# HELP ${def.name} ${escapeHelp(def.help)}\n# TYPE ${def.name} ${def.type}\n`);
      parts.push(lines.join('\n'), '\n');
    }
    return parts.join('');
  }
}

interface FamilyBuffer {
  def: MetricDef;
  lines: string[];
  seen: Set<string>;
  duplicates?: number;
}

function renderLabels(names: readonly string[], values: readonly (string | number)[]): string {
  if (names.length !== values.length) {
    throw new Error(`label count mismatch: ${names.join(',')} vs ${values.length} values`);
  }
  let out = '';
  for (let i = 0; i < names.length; i++) {
    const v = values[i];
    // An empty label is the same as no label to Prometheus: leave it out to keep the text small.
    if (v === '' || v === undefined) continue;
    out += `${out === '' ? '' : ','}${names[i]}="${typeof v === 'number' ? v : escapeLabel(v)}"`;
  }
  return out === '' ? '' : `{${out}}`;
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
