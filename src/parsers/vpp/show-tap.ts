import { parseCount } from '../../util/numbers.ts';
import { type Parsed, ReportBuilder, splitLines } from '../parse-report.ts';

export interface VppTap {
  /** VPP interface name, e.g. `tap3`. */
  name: string;
  /** VPP's hw_if_index (`ifindex` in this output), not the sw_if_index of `show interface`. */
  hwIfIndex: number;
  /** Name of the Linux-side interface, e.g. `conduit-a--f75b`. */
  hostIfName?: string;
  /** Network namespace of the Linux side, e.g. `/proc/1/fd/43`. */
  hostNs?: string;
  hostMtu?: number;
  /** MAC of the Linux-side interface: the key that finds the pod behind the tap. */
  hostMac?: string;
  hostCarrierUp?: boolean;
  /** VPP-side MAC. */
  mac?: string;
  deviceInstance?: number;
  gsoEnabled?: boolean;
  csumEnabled?: boolean;
  packetCoalesce?: boolean;
  packetBuffering?: boolean;
  rssEnabled?: boolean;
  /** v26.02+ prints the admin state; older versions print it as a flag. */
  adminUp?: boolean;
  flags: string[];
  features: string[];
  remoteFeatures: string[];
  rxQueues?: number;
  txQueues?: number;
  virtqueues: VppVirtqueue[];
}

export interface VppVirtqueue {
  direction: 'rx' | 'tx';
  id: number;
  size?: number;
  lastUsedIdx?: number;
  descNext?: number;
  descInUse?: number;
}

type Section = 'top' | 'flags' | 'features' | 'remote-features' | 'virtqueue' | 'skip';

const INTERFACE = /^Interface: (\S+) \(ifindex (\d+)\)\s*$/;
const QUOTED = /^\s+(name|host-ns|host-mtu-size) "(.*)"\s*$/;
const MAC_LINE = /^\s+(host-mac-addr|[Mm]ac Address):\s*([0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5})\s*$/;
const BOOL_LINE =
  /^\s+(host-carrier-up:|gso-enabled|csum-enabled|packet-coalesce|packet-buffering|rss-enabled)\s+([01])\s*$/;
const DEVICE_INSTANCE = /^\s+[Dd]evice instance:\s*(\d+)\s*$/;
const ADMIN_STATE = /^\s+admin state:\s*(up|down)\s*$/;
const HEX_SECTION = /^\s+(flags|features|remote-features) 0x[0-9a-fA-F]+\s*$/;
const FLAG_ITEM = /^\s{4,}([A-Za-z0-9_-]+)\s*\((\d+)\)\s*$/;
const QUEUE_COUNT = /^\s+Number of (RX|TX) Virtqueue\s+(\d+)\s*$/;
const VIRTQUEUE = /^\s+Virtqueue \((RX|TX)\) (\d+)\s*$/;
const QSZ = /^\s+qsz (\d+), last_used_idx (\d+), desc_next (\d+), desc_in_use (\d+)\s*$/;
/** Lines we know and deliberately do not export (file descriptors, ring internals, GRO tables). */
const KNOWN_IGNORED = [
  /^\s+(vhost-fds|tap-fds)(\s+-?\d+)*\s*$/,
  /^\s+vhost-worker-mode:/,
  /^\s+avail\.flags /,
  /^\s+kickfd -?\d+(, callfd -?\d+)?\s*$/,
  /^\s+(driver_event|device_event|avail wrap counter|used wrap counter)/,
  /^\s+(packet-coalesce|packet-buffering): /,
  /^\s+flow-table: /,
  /^\s+descriptor table:/,
  /^\s+id\s+addr\s+len\s+flags/,
  /^\s+\d+\s+0x[0-9a-fA-F]+\s+\d+/,
];

/** Parse `show tap` (all taps). Empty output means no taps. Pure; never throws. */
export function parseShowTap(text: string): Parsed<VppTap[]> {
  const lines = splitLines(text);
  const st: TapState = { report: new ReportBuilder(), taps: [], section: 'top' };
  parseTapLines(st, lines, 0, lines.length);
  return { value: st.taps, report: st.report.build() };
}

interface TapState {
  report: ReportBuilder;
  taps: VppTap[];
  tap?: VppTap;
  section: Section;
  queue?: VppVirtqueue;
}

function parseTapLines(st: TapState, lines: readonly string[], from: number, to: number): void {
  const { report, taps } = st;
  let { tap, section, queue } = st;
  for (let i = from; i < to; i++) {
    const line = lines[i] as string;
    const lineNo = i + 1;
    if (line.trim() === '') continue;
    const head = INTERFACE.exec(line);
    if (head) {
      const hwIfIndex = parseCount(head[2] as string);
      if (hwIfIndex === undefined) {
        tap = undefined;
        report.unparsedLine(lineNo, line);
        continue;
      }
      tap = {
        name: head[1] as string,
        hwIfIndex,
        flags: [],
        features: [],
        remoteFeatures: [],
        virtqueues: [],
      };
      taps.push(tap);
      section = 'top';
      continue;
    }
    if (!tap) {
      report.unparsedLine(lineNo, line);
      continue;
    }
    const item = FLAG_ITEM.exec(line);
    if (item && (section === 'flags' || section === 'features' || section === 'remote-features')) {
      if (section === 'flags') {
        tap.flags.push(item[1] as string);
        if (item[1] === 'admin-up') tap.adminUp = true;
      } else if (section === 'features') tap.features.push(item[1] as string);
      else tap.remoteFeatures.push(item[1] as string);
      continue;
    }
    if (section === 'virtqueue' && queue) {
      const q = QSZ.exec(line);
      if (q) {
        queue.size = Number(q[1]);
        queue.lastUsedIdx = Number(q[2]);
        queue.descNext = Number(q[3]);
        queue.descInUse = Number(q[4]);
        continue;
      }
    }
    const next = readTopLevel(tap, line);
    if (next) {
      section = next.section;
      queue = next.queue;
      continue;
    }
    if (KNOWN_IGNORED.some((re) => re.test(line))) continue;
    report.unparsedLine(lineNo, line);
  }
  st.tap = tap;
  st.section = section;
  st.queue = queue;
}

function readTopLevel(tap: VppTap, line: string): { section: Section; queue?: VppVirtqueue } | undefined {
  let m = QUOTED.exec(line);
  if (m) {
    const value = m[2] as string;
    if (m[1] === 'name') tap.hostIfName = value;
    else if (m[1] === 'host-ns') tap.hostNs = value;
    else {
      const mtu = parseCount(value);
      if (mtu === undefined) return undefined;
      tap.hostMtu = mtu;
    }
    return { section: 'top' };
  }
  m = MAC_LINE.exec(line);
  if (m) {
    const mac = (m[2] as string).toLowerCase();
    if (m[1] === 'host-mac-addr') tap.hostMac = mac;
    else tap.mac = mac;
    return { section: 'top' };
  }
  m = BOOL_LINE.exec(line);
  if (m) {
    const on = m[2] === '1';
    switch (m[1]) {
      case 'host-carrier-up:':
        tap.hostCarrierUp = on;
        break;
      case 'gso-enabled':
        tap.gsoEnabled = on;
        break;
      case 'csum-enabled':
        tap.csumEnabled = on;
        break;
      case 'packet-coalesce':
        tap.packetCoalesce = on;
        break;
      case 'packet-buffering':
        tap.packetBuffering = on;
        break;
      default:
        tap.rssEnabled = on;
    }
    return { section: 'top' };
  }
  m = DEVICE_INSTANCE.exec(line);
  if (m) {
    tap.deviceInstance = Number(m[1]);
    return { section: 'top' };
  }
  m = ADMIN_STATE.exec(line);
  if (m) {
    tap.adminUp = m[1] === 'up';
    return { section: 'top' };
  }
  m = HEX_SECTION.exec(line);
  if (m) {
    // Before v26.02 the admin state is only the `admin-up` flag listed below this line.
    if (m[1] === 'flags') tap.adminUp = false;
    return { section: m[1] as Section };
  }
  m = QUEUE_COUNT.exec(line);
  if (m) {
    if (m[1] === 'RX') tap.rxQueues = Number(m[2]);
    else tap.txQueues = Number(m[2]);
    return { section: 'top' };
  }
  m = VIRTQUEUE.exec(line);
  if (m) {
    const queue: VppVirtqueue = { direction: m[1] === 'RX' ? 'rx' : 'tx', id: Number(m[2]) };
    tap.virtqueues.push(queue);
    return { section: 'virtqueue', queue };
  }
  // v26.02+ lists features without the hex header: `VIRTIO_NET_F_MRG_RXBUF(15)` one per line.
  if (/^\s+[A-Z][A-Z0-9_]+\(\d+\)\s*$/.test(line)) return { section: 'skip' };
  return undefined;
}
