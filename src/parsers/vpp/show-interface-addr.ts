import { parseCount, parseSignedInt } from '../../util/numbers.ts';
import { type Parsed, ReportBuilder, splitLines } from '../parse-report.ts';

export interface VppInterfaceAddr {
  /** Full interface name: this command does not cut names. */
  name: string;
  adminUp: boolean;
  xconnectPeer?: string;
  bridge?: { bdId: number; bdIndex: number; shg: number; bvi: boolean };
  /** Donor interface when this one is unnumbered. */
  unnumberedFrom?: string;
  addresses: VppL3Address[];
}

export interface VppL3Address {
  address: string;
  prefixLen: number;
  family: 'ipv4' | 'ipv6';
  tableId?: number;
  fibIndex?: number;
  /** VPP repeats the donor's addresses under an unnumbered interface: they are not this interface's own. */
  borrowed: boolean;
}

const HEAD = /^(\S+) \((up|dn)\):\s*$/;
const UNNUMBERED = /^\s+unnumbered, use (\S+)\s*$/;
const XCONNECT = /^\s+L2 xconnect (\S+)\s*$/;
const BRIDGE = /^\s+L2 bridge bd-id (\d+) idx (\d+) shg (\d+)( bvi)?\s*$/;
const L3 = /^\s+L3 (\S+)\/(\d+)(?: (ip4|ip6) table-id (-?\d+) fib-idx (\d+))?\s*$/;

/** Parse `show interface addr`. Pure; never throws; reports what it could not read. */
export function parseShowInterfaceAddr(text: string): Parsed<VppInterfaceAddr[]> {
  const report = new ReportBuilder();
  const result: VppInterfaceAddr[] = [];
  let current: VppInterfaceAddr | undefined;
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const lineNo = i + 1;
    if (line.trim() === '') continue;
    const m = HEAD.exec(line);
    if (m) {
      current = { name: m[1] as string, adminUp: m[2] === 'up', addresses: [] };
      result.push(current);
      continue;
    }
    if (!current) {
      report.unparsedLine(lineNo, line);
      continue;
    }
    if (!readDetail(current, line)) report.unparsedLine(lineNo, line);
  }
  return { value: result, report: report.build() };
}

/** Read one indented line of an interface block; false when it is not a known shape. */
function readDetail(current: VppInterfaceAddr, line: string): boolean {
  const unnumbered = UNNUMBERED.exec(line);
  if (unnumbered) {
    current.unnumberedFrom = unnumbered[1] as string;
    return true;
  }
  const xconnect = XCONNECT.exec(line);
  if (xconnect) {
    current.xconnectPeer = xconnect[1] as string;
    return true;
  }
  const bridge = BRIDGE.exec(line);
  if (bridge) {
    const bdId = parseCount(bridge[1] as string);
    const bdIndex = parseCount(bridge[2] as string);
    const shg = parseCount(bridge[3] as string);
    if (bdId === undefined || bdIndex === undefined || shg === undefined) return false;
    current.bridge = { bdId, bdIndex, shg, bvi: bridge[4] !== undefined };
    return true;
  }
  const l3 = L3.exec(line);
  if (l3) {
    const address = parseL3(l3, current.unnumberedFrom !== undefined);
    if (address) current.addresses.push(address);
    return address !== undefined;
  }
  return false;
}

function parseL3(m: RegExpExecArray, borrowed: boolean): VppL3Address | undefined {
  const address = m[1] as string;
  const prefixLen = parseCount(m[2] as string);
  const family = address.includes(':') ? 'ipv6' : 'ipv4';
  if (prefixLen === undefined || prefixLen > (family === 'ipv6' ? 128 : 32)) return undefined;
  const l3: VppL3Address = { address, prefixLen, family, borrowed };
  if (m[4] !== undefined) {
    // ip4 table ids were printed with %d before v25.10: ids >= 2^31 come out negative; undo the wrap.
    const tableId = parseSignedInt(m[4]);
    const fibIndex = parseCount(m[5] as string);
    if (tableId === undefined || fibIndex === undefined) return undefined;
    l3.tableId = tableId < 0 ? tableId + 2 ** 32 : tableId;
    l3.fibIndex = fibIndex;
  }
  return l3;
}
