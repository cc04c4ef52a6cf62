import type { Logger } from 'pino';
import type { VppCollector } from '../collectors/vpp/collector.ts';
import { VPP_COLLECTORS } from '../collectors/vpp/index.ts';
import { segmentErrors, statsSummary, withSegmentCounters } from '../collectors/vpp/vpp-stats-segment.ts';
import { vppOutputFailure } from '../parsers/vpp/vpp-error.ts';
import { resolveVppSnapshot } from '../snapshot/resolve-vpp.ts';
import type { CommandStatus, VppSnapshot } from '../snapshot/vpp-snapshot.ts';
import { runVppCommand, type VppSource } from '../sources/command-source.ts';
import type { VppCommand } from '../sources/vpp-commands.ts';
import type { StatsSegmentData } from '../sources/vpp-stats/segment-reader.ts';
import { STATS_SEGMENT_COMMAND, type StatsSegmentSource } from '../sources/vpp-stats/stats-segment-source.ts';
import { CommandLog } from './command-log.ts';
import { type Judged, runCommand, StateResults, timeLeftMs } from './command-runner.ts';
import type { VppNamespaceLinks } from './vpp-namespace-links.ts';

export interface VppCollectionOptions {
  node: string;
  /** The `forwarder` label; when empty, the source's own forwarder (cluster modes). */
  forwarder: string;
  /** Node addresses → node names (cluster discovery or the recording's replay.json). */
  nodeByAddress?: () => ReadonlyMap<string, string>;
  commandTimeoutMs: number;
  stateIntervalMs: number;
  logger: Logger;
  now?: () => number;
  collectors?: readonly VppCollector[];
  /** VPP's stats segment: when it can be read, counters and errors come from it instead of the CLI. */
  statsSegment?: StatsSegmentSource;
  /** The links of VPP's network namespace, for af_packet interfaces (when VPP's process is visible). */
  namespaceLinks?: VppNamespaceLinks;
}

/**
 * With the stats segment read, the CLI is needed only for what the segment lacks, so it runs on the
 * state interval and again when `/if/names` changes: `show interface` for admin state and MTUs, `show
 * interface addr` for addresses, cross-connects and bridge ports (VPP adds or removes interfaces when
 * these change: NSM makes a new tap, memif or tunnel per connection). `show errors` is not sent at all
 * (it stops VPP's workers at a barrier; `/err/` has its counters). A CLI round trip and its parse every
 * cycle were about a third of a cycle's CPU (DESIGN.md).
 */
const WITH_SEGMENT: Partial<Record<VppCommand, 'state' | 'skip'>> = {
  'show interface': 'state',
  'show interface addr': 'state',
  'show errors': 'skip',
};

/**
 * The interface set, (sw_if_index, name) in sw_if_index order, as one string: the same for `show
 * interface` and the segment's `/if/names`, so switching between the two is not taken for a change.
 */
function interfaceSetKey(interfaces: Iterable<{ swIfIndex: number; name: string | undefined }>): string {
  let key = '';
  const sorted = [...interfaces].sort((a, b) => a.swIfIndex - b.swIfIndex);
  for (const i of sorted) if (i.name !== undefined) key += `${i.swIfIndex}:${i.name},`;
  return key;
}

/**
 * Reads one forwarder's VPP every cycle. Counter commands run every cycle; state commands (which stop
 * VPP's workers at a barrier) run on the state interval, again at once when the interface set changed,
 * and on the next cycle after a failure. Between their runs the last good state is carried over.
 */
export class VppCollection {
  private readonly state: StateResults<VppCommand, unknown>;
  private readonly commandLog: CommandLog;
  private interfaceSetKey?: string;
  /** Why `auto` found no stats segment, as last logged. */
  private segmentUnavailable?: string;
  /** True once the segment has been read: from then on, losing it is reported. */
  private segmentSeen = false;
  private readonly now: () => number;
  private readonly collectors: readonly VppCollector[];

  constructor(
    private readonly source: VppSource,
    private readonly options: VppCollectionOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.collectors = options.collectors ?? VPP_COLLECTORS;
    this.commandLog = new CommandLog(options.logger, 'VPP');
    this.state = new StateResults(options.stateIntervalMs, this.now);
  }

  async collect(deadlineAt: number): Promise<VppSnapshot> {
    const snapshot: VppSnapshot = {
      node: this.options.node,
      forwarder: this.options.forwarder || this.source.forwarder || '',
      sourceKind: this.source.kind,
      commands: [],
    };
    const addresses = this.options.nodeByAddress?.();
    if (addresses) snapshot.nodeByAddress = addresses;
    if (this.source.prefetch) {
      const timeoutMs = timeLeftMs(this.options.commandTimeoutMs, deadlineAt, this.now());
      if (timeoutMs > 0) await this.source.prefetch(this.commandsDue(), timeoutMs);
    }
    const segment = await this.readSegment(snapshot);
    const cadence = (c: VppCollector) => (segment && WITH_SEGMENT[c.command]) ?? c.cadence;
    if (segment) snapshot.stats = statsSummary(segment);
    for (const c of this.collectors.filter((c) => cadence(c) === 'counters')) {
      const { status, value } = await this.runOne(c, deadlineAt);
      snapshot.commands.push(status);
      if (status.state === 'ok') c.assign(snapshot, value);
    }
    const interfaceSetChanged = this.noteInterfaceSet(
      segment
        ? interfaceSetKey(segment.interfaceNames.map((name, swIfIndex) => ({ swIfIndex, name })))
        : snapshot.interfaces && interfaceSetKey(snapshot.interfaces),
    );
    for (const c of this.collectors) {
      const how = cadence(c);
      if (how === 'skip') {
        // Carried-over CLI data would be stale when the CLI takes over again: read it afresh then.
        this.state.forget(c.command);
        continue;
      }
      if (how !== 'state') continue;
      const result = this.state.due(c.command, interfaceSetChanged)
        ? await this.runOne(c, deadlineAt)
        : this.state.carried(c.command);
      if (!result) continue;
      if (result.status.ranThisCycle) this.state.keep(c.command, result);
      snapshot.commands.push(result.status);
      if (result.status.state === 'ok') c.assign(snapshot, result.value);
    }
    if (segment) {
      if (snapshot.interfaces) snapshot.interfaces = withSegmentCounters(snapshot.interfaces, segment);
      snapshot.errors = segmentErrors(segment);
    }
    await this.resolveHostNs(snapshot, deadlineAt);
    const links = await this.options.namespaceLinks?.read(
      snapshot.interfaces?.map((i) => i.name),
      () => this.source.vppNamespace?.(),
      interfaceSetChanged,
      deadlineAt,
    );
    if (links) {
      if (links.status.ranThisCycle) this.log(links.status);
      snapshot.commands.push(links.status);
      if (links.links) snapshot.hostLinks = links.links;
    }
    const notes = resolveVppSnapshot(snapshot);
    if (notes.unresolvedNames > 0) {
      this.options.logger.warn(
        { forwarder: this.options.forwarder, names: notes.unresolvedNames },
        'VPP cut interface names to 32 characters and their full names were not found in `show interface addr`',
      );
    }
    return snapshot;
  }

  /** Which network namespace each tap's Linux side is in, when the source can tell (path correlation). */
  private async resolveHostNs(snapshot: VppSnapshot, deadlineAt: number): Promise<void> {
    const paths = (snapshot.taps ?? []).flatMap((t) => (t.hostNs ? [t.hostNs] : []));
    const timeoutMs = timeLeftMs(this.options.commandTimeoutMs, deadlineAt, this.now());
    if (!this.source.resolveHostNs || paths.length === 0 || timeoutMs <= 0) return;
    const inodes = await this.source.resolveHostNs(paths, timeoutMs);
    if (inodes.size > 0) snapshot.hostNsInodes = inodes;
  }

  /** Commands this cycle will run unless the interface set changes: counters, and state that is due. */
  private commandsDue(): VppCommand[] {
    return this.collectors
      .filter((c) => c.cadence === 'counters' || this.state.due(c.command, false))
      .map((c) => c.command);
  }

  /** True when the set of (name, sw_if_index) differs from the previous successful read. */
  private noteInterfaceSet(key: string | undefined): boolean {
    if (key === undefined) return false;
    const changed = this.interfaceSetKey !== undefined && key !== this.interfaceSetKey;
    this.interfaceSetKey = key;
    return changed;
  }

  /**
   * One read of the stats segment, reported like a command. In `auto`, a segment that cannot be had
   * (no local VPP process, no privilege, an older layout) is not a failure: it is logged once and the
   * CLI stays the source.
   */
  private async readSegment(snapshot: VppSnapshot): Promise<StatsSegmentData | undefined> {
    const segment = this.options.statsSegment;
    if (!segment) return undefined;
    const started = this.now();
    const t0 = performance.now();
    const read = await segment.read();
    // Once read, a segment that vanishes (VPP gone or replaced by one out of reach) is a failure: its
    // last success must not stand. Only a segment never found in `auto` is simply not used.
    const result: typeof read =
      read.kind === 'unavailable' && this.segmentSeen
        ? { kind: 'failed', failure: 'connect', message: read.reason }
        : read;
    if (result.kind === 'ok') this.segmentSeen = true;
    if (result.kind === 'unavailable') {
      if (this.segmentUnavailable !== result.reason) {
        this.options.logger.info(
          { forwarder: this.options.forwarder || this.source.forwarder, reason: result.reason },
          'VPP stats segment not readable here; counters and errors are read with the CLI',
        );
        this.segmentUnavailable = result.reason;
      }
      return undefined;
    }
    if (this.segmentUnavailable !== undefined) {
      this.options.logger.info(
        { location: segment.location },
        'VPP stats segment found; counters are read from it',
      );
      this.segmentUnavailable = undefined;
    }
    const status: CommandStatus = {
      command: STATS_SEGMENT_COMMAND,
      durationSeconds: (performance.now() - t0) / 1000,
      readAt: started,
      ranThisCycle: true,
      ...(result.kind === 'ok'
        ? { state: 'ok' as const }
        : {
            state: 'failed' as const,
            failure: result.failure,
            message: `${result.message}; read with the CLI`,
          }),
    };
    this.log(status);
    snapshot.commands.push(status);
    return result.kind === 'ok' ? result.data : undefined;
  }

  private async runOne(collector: VppCollector, deadlineAt: number): Promise<Judged<unknown>> {
    const judged = await runCommand(
      { ...collector, inBandFailure: vppOutputFailure },
      (timeoutMs) => runVppCommand(this.source, collector.command, timeoutMs),
      { commandTimeoutMs: this.options.commandTimeoutMs, deadlineAt, now: this.now },
    );
    this.log(judged.status);
    return judged;
  }

  private log(s: CommandStatus): void {
    const ctx = {
      forwarder: this.options.forwarder || this.source.forwarder,
      command: s.command,
      source: this.source.kind,
    };
    this.commandLog.note(s.command, ctx, s);
  }
}
