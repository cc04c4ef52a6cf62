import { parseCount } from '../../util/numbers.ts';
import { isBlank, type Parsed, ReportBuilder, splitLines } from '../parse-report.ts';

/** One row of `show interface` with its counters. */
export interface VppInterface {
  name: string;
  swIfIndex: number;
  /** Admin state as printed: `up`, `down`, `error`, `up/punt`, … */
  state: string;
  adminUp: boolean;
  mtu?: { l3: number; ip4: number; ip6: number; mpls: number };
  /** Counters VPP printed, keyed by their full VPP name (`rx packets`, `drops`, `rx-unicast packets`). */
  counters: Map<string, number>;
  /** True when the name filled its 32-character column, so VPP may have cut it. */
  nameMayBeTruncated: boolean;
  /**
   * True when a line of this interface's block could not be read: its missing counters are unknown,
   * not zero.
   */
  incomplete: boolean;
}

// Column layout of format_vnet_sw_interface (identical from v20.09 to v26.06).
const NAME_END = 32;
const IDX_END = 37;
const STATE_END = 47;
const MTU_END = 68;
const NAME_WIDTH = 32;
const COUNTER_NAME_WIDTH = 16;
const COUNTER_VALUE_WIDTH = 16;

/**
 * VPP cuts counter names to 16 characters; "<name> packets" of the detailed-stats counters no longer
 * fits. Map each cut name back to the real one.
 */
const CUT_COUNTER_NAMES: ReadonlyMap<string, string> = new Map([
  ['rx-unicast packe', 'rx-unicast packets'],
  ['rx-multicast pac', 'rx-multicast packets'],
  ['rx-multicast byt', 'rx-multicast bytes'],
  ['rx-broadcast pac', 'rx-broadcast packets'],
  ['rx-broadcast byt', 'rx-broadcast bytes'],
  ['tx-unicast packe', 'tx-unicast packets'],
  ['tx-multicast pac', 'tx-multicast packets'],
  ['tx-multicast byt', 'tx-multicast bytes'],
  ['tx-broadcast pac', 'tx-broadcast packets'],
  ['tx-broadcast byt', 'tx-broadcast bytes'],
]);

const HEADER = /^\s*Name\s+Idx\s+State\b/;
const COUNTER_INDENT = ' '.repeat(MTU_END);
const ROW_TOKENS = /^(\S+)\s+(\d+)\s+(\S+)(?:\s+(\d+\/\d+\/\d+\/\d+))?(?:\s+(.*))?$/;
const COUNTER_TOKENS = /^(\S(?:.*\S)?)\s+(\d+)$/;

interface CounterText {
  name: string;
  value: string;
  /** The value as a number when the scanner already read it. */
  number?: number;
}

/** Parse `show interface`. Pure; never throws; reports what it could not read. */
export function parseShowInterface(text: string): Parsed<VppInterface[]> {
  const lines = splitLines(text);
  const st: ParseState = {
    report: new ReportBuilder(),
    interfaces: [],
    fixedColumns: false,
    sawHeader: false,
  };
  parseLines(st, lines, 0, lines.length);
  return { value: st.interfaces, report: st.report.build() };
}

interface ParseState {
  report: ReportBuilder;
  interfaces: VppInterface[];
  fixedColumns: boolean;
  sawHeader: boolean;
  current?: VppInterface;
}

function parseLines(st: ParseState, lines: readonly string[], from: number, to: number): void {
  const { report, interfaces } = st;
  let { fixedColumns, sawHeader, current } = st;
  for (let i = from; i < to; i++) {
    const line = lines[i] as string;
    const lineNo = i + 1;
    // Fast path for the bulk of the output: a counter line under an interface, in VPP's exact columns.
    if (fixedColumns && current && line.startsWith(COUNTER_INDENT)) {
      const counter = splitCounterFixed(line, MTU_END);
      if (counter) {
        addCounter(current, counter, lineNo, report);
        continue;
      }
    }
    if (isBlank(line)) continue;
    if (!sawHeader && HEADER.test(line)) {
      sawHeader = true;
      // The header is centred in fixed columns; where it is intact, so are the rows.
      fixedColumns = line.indexOf('Idx') === 33;
      continue;
    }
    if (!sawHeader) {
      // Without the header the columns cannot be trusted: nothing before it is read.
      report.unparsedLine(lineNo, line);
      continue;
    }
    if (line[0] !== ' ' && line[0] !== '\t') {
      const row = parseRow(line, fixedColumns);
      if (!row) {
        current = undefined;
        report.unparsedLine(lineNo, line);
        continue;
      }
      current = row.iface;
      if (current.nameMayBeTruncated) report.truncated('interface_name', lineNo, current.name);
      interfaces.push(current);
      if (row.counter) addCounter(current, row.counter, lineNo, report);
      continue;
    }
    // The fixed columns were tried on the fast path above; what is left is doc output with altered spacing.
    const counter = current ? splitCounterTokens(line) : undefined;
    if (!current || !counter) {
      if (current) current.incomplete = true;
      report.unparsedLine(lineNo, line);
      continue;
    }
    addCounter(current, counter, lineNo, report);
  }
  st.fixedColumns = fixedColumns;
  st.sawHeader = sawHeader;
  st.current = current;
}

function parseRow(
  line: string,
  fixedColumns: boolean,
): { iface: VppInterface; counter?: CounterText } | undefined {
  if (fixedColumns && line.length >= MTU_END - 2) {
    const fixed = parseRowFixed(line);
    if (fixed) return fixed;
  }
  return parseRowTokens(line);
}

function parseRowFixed(line: string): { iface: VppInterface; counter?: CounterText } | undefined {
  const rawName = line.slice(0, NAME_END);
  const name = rawName.trimEnd();
  const idx = parseCount(line.slice(NAME_END, IDX_END).trim());
  const state = line.slice(IDX_END, STATE_END).trim();
  const mtuText = line.slice(STATE_END, MTU_END).trim();
  if (name === '' || /\s/.test(name) || idx === undefined || !/^\S+$/.test(state)) return undefined;
  const mtu = parseMtu(mtuText);
  if (!mtu) return undefined;
  const iface = newInterface(name, idx, state, mtu, name.length >= NAME_WIDTH);
  const rest = line.slice(MTU_END);
  if (rest.trim() === '') return { iface };
  const counter = splitCounterFixed(rest, 0) ?? splitCounterTokens(rest);
  if (!counter) return undefined;
  return { iface, counter };
}

function parseRowTokens(line: string): { iface: VppInterface; counter?: CounterText } | undefined {
  const m = ROW_TOKENS.exec(line.trimEnd());
  if (!m) return undefined;
  const [, name = '', idxText = '', state = '', mtuText, rest] = m;
  const idx = parseCount(idxText);
  if (idx === undefined) return undefined;
  const mtu = mtuText ? parseMtu(mtuText) : undefined;
  const iface = newInterface(name, idx, state, mtu, name.length >= NAME_WIDTH);
  if (!rest || rest.trim() === '') return { iface };
  const counter = splitCounterTokens(rest);
  if (!counter) return undefined;
  return { iface, counter };
}

/**
 * The counter columns: name in 16 characters, value right-aligned in the next 16. Scanned by character
 * code: these lines are most of the output, and trim/regex allocations were most of the parse time.
 */
function splitCounterFixed(line: string, start: number): CounterText | undefined {
  const nameEnd = start + COUNTER_NAME_WIDTH;
  let b = start;
  let e = Math.min(nameEnd, line.length);
  while (b < e && line.charCodeAt(b) === 32) b++;
  while (e > b && line.charCodeAt(e - 1) === 32) e--;
  if (b === e) return undefined;
  const valueEnd = Math.min(nameEnd + COUNTER_VALUE_WIDTH, line.length);
  let vb = nameEnd;
  while (vb < valueEnd && line.charCodeAt(vb) === 32) vb++;
  let ve = vb;
  let number = 0;
  for (let c = line.charCodeAt(ve); ve < valueEnd && c >= 48 && c <= 57; c = line.charCodeAt(++ve)) {
    number = number * 10 + (c - 48);
  }
  if (ve === vb) return undefined;
  for (let i = ve; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 13 && c !== 9) return undefined;
  }
  const text = line.slice(vb, ve);
  // Up to 15 digits is exact in a double; 16 digits may be a value VPP cut (handled by the caller).
  return ve - vb < COUNTER_VALUE_WIDTH
    ? { name: line.slice(b, e), value: text, number }
    : { name: line.slice(b, e), value: text };
}

function splitCounterTokens(text: string): CounterText | undefined {
  const m = COUNTER_TOKENS.exec(text.trim());
  if (!m) return undefined;
  return { name: (m[1] as string).replace(/\s+/g, ' '), value: m[2] as string };
}

function addCounter(iface: VppInterface, counter: CounterText, lineNo: number, report: ReportBuilder): void {
  const name =
    counter.name.length === COUNTER_NAME_WIDTH
      ? (CUT_COUNTER_NAMES.get(counter.name) ?? counter.name)
      : counter.name;
  // %16Ld keeps only the leading 16 digits of a larger value: a full-width value may be cut, so it is
  // reported and left out rather than exported wrong.
  if (counter.value.length >= COUNTER_VALUE_WIDTH) {
    iface.incomplete = true;
    report.truncated('counter_value', lineNo, `${iface.name} ${name} ${counter.value}`);
    return;
  }
  const value = counter.number ?? parseCount(counter.value);
  if (value === undefined) {
    iface.incomplete = true;
    report.unparsedLine(lineNo, `${counter.name} ${counter.value}`);
    return;
  }
  iface.counters.set(name, value);
}

function parseMtu(text: string): VppInterface['mtu'] | undefined {
  const parts = text.split('/');
  if (parts.length !== 4) return undefined;
  const [l3, ip4, ip6, mpls] = parts.map(parseCount);
  if (l3 === undefined || ip4 === undefined || ip6 === undefined || mpls === undefined) return undefined;
  return { l3, ip4, ip6, mpls };
}

function newInterface(
  name: string,
  swIfIndex: number,
  state: string,
  mtu: VppInterface['mtu'] | undefined,
  nameMayBeTruncated: boolean,
): VppInterface {
  const iface: VppInterface = {
    name,
    swIfIndex,
    state,
    adminUp: state === 'up' || state.startsWith('up/'),
    counters: new Map(),
    nameMayBeTruncated,
    incomplete: false,
  };
  if (mtu) iface.mtu = mtu;
  return iface;
}
