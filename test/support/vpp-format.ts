/**
 * VPP's vppinfra `format` field rules, reproduced to generate outputs in VPP's exact layout:
 * fields are padded AND cut to their width; `%=N` centres with the odd space on the left.
 */
export function left(text: string, width: number): string {
  return text.length >= width ? text.slice(0, width) : text + ' '.repeat(width - text.length);
}

export function right(text: string, width: number): string {
  return text.length >= width ? text.slice(0, width) : ' '.repeat(width - text.length) + text;
}

export function centre(text: string, width: number): string {
  if (text.length >= width) return text.slice(0, width);
  const pad = width - text.length;
  const l = Math.ceil(pad / 2);
  return ' '.repeat(l) + text + ' '.repeat(pad - l);
}

export interface SyntheticInterface {
  name: string;
  swIfIndex: number;
  state: string;
  mtu: string;
  /** [name, value] in VPP's print order; only non-zero ones are printed. */
  counters: [string, number][];
}

/** `show interface` exactly as format_vnet_sw_interface prints it, CRLF line ends like the socket. */
export function showInterfaceText(interfaces: SyntheticInterface[], eol = '\r\n'): string {
  const header =
    centre('Name', 32) +
    centre('Idx', 5) +
    centre('State', 10) +
    centre('MTU (L3/IP4/IP6/MPLS)', 21) +
    centre('Counter', 16) +
    centre('Count', 16);
  const lines = [header];
  for (const i of interfaces) {
    const row = left(i.name, 32) + centre(String(i.swIfIndex), 5) + centre(i.state, 10) + centre(i.mtu, 21);
    const counters = i.counters.filter(([, v]) => v !== 0);
    if (counters.length === 0) {
      lines.push(row);
      continue;
    }
    counters.forEach(([name, value], k) => {
      const cell = left(name, 16) + right(String(value), 16);
      lines.push(k === 0 ? row + cell : ' '.repeat(68) + cell);
    });
  }
  return lines.join(eol) + eol;
}

export interface SyntheticError {
  count: number;
  node: string;
  reason: string;
  severity: string;
}

/** `show errors` as show_errors prints it since v21.01. */
export function showErrorsText(rows: SyntheticError[], eol = '\r\n'): string {
  const header = centre('Count', 10) + centre('Node', 35) + centre('Reason', 35) + centre('Severity', 10);
  const lines = [header];
  for (const r of rows) {
    lines.push(
      right(String(r.count), 10) + centre(r.node, 35) + centre(r.reason, 35) + centre(r.severity, 10),
    );
  }
  return lines.join(eol) + eol;
}

/** `show interface addr` blocks. */
export function showInterfaceAddrText(
  blocks: { name: string; up: boolean; lines: string[] }[],
  eol = '\r\n',
): string {
  const out: string[] = [];
  for (const b of blocks) {
    out.push(`${b.name} (${b.up ? 'up' : 'dn'}):`);
    for (const l of b.lines) out.push(`  ${l}`);
  }
  return out.join(eol) + eol;
}

/** A deterministic pseudo-random generator, so fuzz-style tests fail the same way every run. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
