import { parseCount } from '../../util/numbers.ts';
import { type Parsed, ReportBuilder, splitLines } from '../parse-report.ts';

export interface VppVxlanTunnel {
  /** Device instance, the number in brackets. */
  devInstance: number;
  /** User instance: the N of the interface name `vxlan_tunnelN`. */
  instance: number;
  src: string;
  dst: string;
  /** Absent before v21.06, which did not print ports. */
  srcPort?: number;
  dstPort?: number;
  vni: number;
  fibIndex: number;
  swIfIndex: number;
  family: 'ipv4' | 'ipv6';
}

const TUNNEL =
  /^\[(\d+)\] instance (\d+) src (\S+) dst (\S+) (?:src_port (\d+) dst_port (\d+) )?vni (\d+) fib-idx (\d+) sw-if-idx (\d+)(?: |$)/;

/**
 * Parse `show vxlan tunnel [raw]`: one line per tunnel. `raw` appends bihash dumps after the tunnel
 * lines; everything after the last tunnel line is ignored, not reported.
 */
export function parseShowVxlanTunnel(text: string): Parsed<VppVxlanTunnel[]> {
  const report = new ReportBuilder();
  const tunnels: VppVxlanTunnel[] = [];
  let inTail = false;
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    if (inTail) continue;
    if (/^No vxlan tunnels configured/.test(line)) continue;
    const m = TUNNEL.exec(line);
    if (m) {
      const tunnel = toTunnel(m);
      if (tunnel) tunnels.push(tunnel);
      else report.unparsedLine(i + 1, line);
      continue;
    }
    if (/^Raw IPv[46] Hash Table/i.test(line) || (tunnels.length > 0 && !line.startsWith('['))) {
      inTail = true;
      continue;
    }
    report.unparsedLine(i + 1, line);
  }
  return { value: tunnels, report: report.build() };
}

function toTunnel(m: RegExpExecArray): VppVxlanTunnel | undefined {
  const numbers = [m[1], m[2], m[7], m[8], m[9]].map((v) => parseCount(v as string));
  if (numbers.some((n) => n === undefined)) return undefined;
  const [devInstance, instance, vni, fibIndex, swIfIndex] = numbers as number[];
  const src = m[3] as string;
  const dst = m[4] as string;
  if (vni === undefined || vni > 0xffffff) return undefined;
  const tunnel: VppVxlanTunnel = {
    devInstance: devInstance as number,
    instance: instance as number,
    src,
    dst,
    vni,
    fibIndex: fibIndex as number,
    swIfIndex: swIfIndex as number,
    family: src.includes(':') ? 'ipv6' : 'ipv4',
  };
  if (m[5] !== undefined && m[6] !== undefined) {
    tunnel.srcPort = Number(m[5]);
    tunnel.dstPort = Number(m[6]);
  }
  return tunnel;
}
