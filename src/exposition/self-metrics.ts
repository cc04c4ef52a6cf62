import { Counter, Gauge, Registry } from 'prom-client';
import type { CommandStatus } from '../snapshot/vpp-snapshot.ts';
import { PACKAGE_VERSION } from '../util/package-info.ts';
import type { MetricDef } from './metric-def.ts';

const P = 'meridio_path_exporter_';
/**
 * `source` is `vpp` or `pod`; VPP commands carry `forwarder`, pod commands `namespace` and `pod` (an
 * empty label is left out).
 */
const COMMAND_LABELS = ['source', 'forwarder', 'namespace', 'pod', 'command'] as const;

/** Failed lists or watches of one resource for one reason, counted since start (cluster discovery). */
export interface DiscoveryFailureCount {
  resource: string;
  reason: string;
  count: number;
}

/** Whose command a status belongs to. */
export interface CommandOwner {
  source: 'vpp' | 'pod';
  forwarder?: string;
  namespace?: string;
  pod?: string;
}

/** The exporter's own families, declared like the collectors' so the README table check sees them. */
export const SELF_METRICS: readonly MetricDef[] = [
  def('build_info', 'gauge', 'Build of the exporter: version and the Node.js it runs on.', [
    'version',
    'nodejs_version',
  ]),
  def(
    'source_info',
    'gauge',
    'Where this exporter reads VPP and the pods (kind and location, or none); recorded is true for the demo and replays, whose data is not a live node.',
    ['vpp', 'pods', 'recorded'],
  ),
  def(
    'collect_success',
    'gauge',
    'Whether the last read of this command succeeded (1) or failed (0).',
    COMMAND_LABELS,
  ),
  def('collect_duration_seconds', 'gauge', 'How long the last read of this command took.', COMMAND_LABELS),
  def(
    'last_success_timestamp_seconds',
    'gauge',
    'When this command was last read successfully (Unix time). Alert on its age, not on a single failure.',
    COMMAND_LABELS,
  ),
  def(
    'collect_failures_total',
    'counter',
    'Failed reads of this command, by reason (timeout, connect, closed-early, too-large, io, command-error, parse, truncated-output; for the stats segment also corrupt, busy, version).',
    [...COMMAND_LABELS, 'reason'],
  ),
  def(
    'parse_errors_total',
    'counter',
    'Output lines of this command the parser could not understand.',
    COMMAND_LABELS,
  ),
  def(
    'truncated_fields',
    'gauge',
    'Fields VPP cut to their column width in the last read of this command (names, counter values), by field.',
    [...COMMAND_LABELS, 'field'],
  ),
  def(
    'discovery_synced',
    'gauge',
    "Cluster modes: 1 once this node's pod list arrived from the Kubernetes API, 0 while it has not (pods are then unknown, not missing).",
    [],
  ),
  def(
    'discovery_failures_total',
    'counter',
    "Cluster modes: failed lists and watches of the Kubernetes API, by resource and reason (forbidden: the agent's RBAC; unauthorized; not_found; http; timeout; connect; other). The agent keeps the last state it had and retries with a backoff.",
    ['resource', 'reason'],
  ),
  def(
    'web_config_last_reload_successful',
    'gauge',
    'With --web.config.file: 1 when the last read of the web configuration (at start or after a change) was applied, 0 when it was refused and the previous one stays in force.',
    [],
  ),
  def('cycle_duration_seconds', 'gauge', 'How long the last collection cycle took, rendering included.', []),
  def('cycles_total', 'counter', 'Collection cycles run since the exporter started.', []),
];

function def(name: string, type: MetricDef['type'], help: string, labels: readonly string[]): MetricDef {
  return { name: `${P}${name}`, type, help, labels: ['node', ...labels], source: 'exporter' };
}

/** The definition of one of the exporter's own families, by its name without the prefix. */
export function selfMetricDef(name: string): MetricDef {
  const d = SELF_METRICS.find((m) => m.name === `${P}${name}`);
  if (!d) throw new Error(`no self metric ${name}`);
  return d;
}

/**
 * The collection's own metrics, with prom-client. They change only at the end of a cycle and are
 * rendered once per cycle with the data, never per scrape. The serving side's (process, web
 * configuration) are `ServingMetrics`, on the thread that serves.
 */
export class SelfMetrics {
  readonly registry = new Registry();
  private readonly success: Gauge;
  private readonly duration: Gauge;
  private readonly lastSuccess: Gauge;
  private readonly failures: Counter;
  private readonly parseErrors: Counter;
  private readonly truncated: Gauge;
  private readonly cycleDuration: Gauge;
  /** Made on first use: an unlabelled prom-client gauge would otherwise show 0 outside cluster modes. */
  private discoverySynced?: Gauge;
  private discoveryFailures?: Counter;
  /** The discovery failure counts already added to the counter, by `resource\u0000reason`. */
  private readonly discoveryFailuresSeen = new Map<string, number>();
  private readonly cycles: Counter;
  private readonly lastTruncated = new Map<string, Set<string>>();

  constructor(node: string, options: { source?: { vpp: string; pods: string; recorded: boolean } } = {}) {
    this.registry.setDefaultLabels({ node });
    const registers = [this.registry];
    const make = <T>(n: string, ctor: new (cfg: never) => T): T => {
      const d = selfMetricDef(n);
      return new ctor({ name: d.name, help: d.help, labelNames: d.labels.slice(1), registers } as never);
    };
    new Gauge({
      name: `${P}build_info`,
      help: (SELF_METRICS[0] as MetricDef).help,
      labelNames: ['version', 'nodejs_version'],
      registers,
    }).set({ version: PACKAGE_VERSION, nodejs_version: process.version }, 1);
    if (options.source) {
      const { vpp, pods, recorded } = options.source;
      make('source_info', Gauge).set({ vpp, pods, recorded: String(recorded) } as never, 1);
    }
    this.success = make('collect_success', Gauge);
    this.duration = make('collect_duration_seconds', Gauge);
    this.lastSuccess = make('last_success_timestamp_seconds', Gauge);
    this.failures = make('collect_failures_total', Counter);
    this.parseErrors = make('parse_errors_total', Counter);
    this.truncated = make('truncated_fields', Gauge);
    this.cycleDuration = make('cycle_duration_seconds', Gauge);
    this.cycles = make('cycles_total', Counter);
  }

  /** Record how reading one command went; carried-over state commands are left as they were. */
  observeCommand(owner: CommandOwner, status: CommandStatus): void {
    const labels = {
      source: owner.source,
      forwarder: owner.forwarder ?? '',
      namespace: owner.namespace ?? '',
      pod: owner.pod ?? '',
      command: status.command,
    };
    this.noteSeries(labels, status.ranThisCycle ? status.failure : undefined);
    if (!status.ranThisCycle) return;
    if (status.state === 'not-recorded') {
      this.success.remove(labels);
      this.duration.remove(labels);
      this.lastSuccess.remove(labels);
      return;
    }
    this.duration.set(labels, status.durationSeconds);
    this.parseErrors.inc(labels, status.report?.unparsedLines ?? 0);
    this.setTruncated(labels, status);
    if (status.state === 'ok') {
      this.success.set(labels, 1);
      this.lastSuccess.set(labels, status.readAt / 1000);
    } else {
      this.success.set(labels, 0);
      this.failures.inc({ ...labels, reason: status.failure ?? 'io' });
    }
  }

  /** Command series seen this cycle, and the failure reasons each has counted. */
  private readonly commandSeries = new Map<
    string,
    { labels: Record<string, string>; reasons: Set<string>; seen: boolean }
  >();

  private noteSeries(labels: Record<string, string>, failure: string | undefined): void {
    const key = Object.values(labels).join('\u0000');
    const entry = this.commandSeries.get(key) ?? { labels, reasons: new Set<string>(), seen: true };
    entry.seen = true;
    if (failure) entry.reasons.add(failure);
    this.commandSeries.set(key, entry);
  }

  /**
   * Remove the series of commands neither run nor carried over this cycle: a pod that is gone or now
   * read in another form, a VPP command the stats segment made unnecessary (`show errors` that failed
   * while VPP was away would otherwise say 0 for good). Call once per cycle, after every command.
   */
  sweepCommandSeries(): void {
    for (const [key, entry] of this.commandSeries) {
      if (entry.seen) {
        entry.seen = false;
        continue;
      }
      const l = entry.labels;
      this.success.remove(l);
      this.duration.remove(l);
      this.lastSuccess.remove(l);
      this.parseErrors.remove(l);
      for (const reason of entry.reasons) this.failures.remove({ ...l, reason });
      for (const field of this.lastTruncated.get(key) ?? []) this.truncated.remove({ ...l, field });
      this.lastTruncated.delete(key);
      this.commandSeries.delete(key);
    }
  }

  private setTruncated(labels: Record<string, string>, status: CommandStatus): void {
    const counts = new Map<string, number>();
    for (const t of status.report?.truncated ?? []) counts.set(t.field, (counts.get(t.field) ?? 0) + 1);
    const key = Object.values(labels).join('\u0000');
    for (const field of this.lastTruncated.get(key) ?? []) {
      if (!counts.has(field)) this.truncated.remove({ ...labels, field });
    }
    for (const [field, n] of counts) this.truncated.set({ ...labels, field }, n);
    this.lastTruncated.set(key, new Set(counts.keys()));
  }

  /**
   * Cluster modes: whether discovery has this node's pod list, and its failed lists and watches so far
   * (both families are absent elsewhere).
   */
  observeDiscovery(synced: boolean, failures: readonly DiscoveryFailureCount[] = []): void {
    if (!this.discoverySynced) {
      const d = selfMetricDef('discovery_synced');
      this.discoverySynced = new Gauge({ name: d.name, help: d.help, registers: [this.registry] });
      const f = selfMetricDef('discovery_failures_total');
      this.discoveryFailures = new Counter({
        name: f.name,
        help: f.help,
        labelNames: f.labels.slice(1),
        registers: [this.registry],
      });
    }
    this.discoverySynced.set(synced ? 1 : 0);
    for (const { resource, reason, count } of failures) {
      const key = `${resource}\u0000${reason}`;
      const added = count - (this.discoveryFailuresSeen.get(key) ?? 0);
      if (added > 0) this.discoveryFailures?.inc({ resource, reason }, added);
      this.discoveryFailuresSeen.set(key, count);
    }
  }

  observeCycle(seconds: number): void {
    this.cycleDuration.set(seconds);
    this.cycles.inc();
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
