import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { selfMetricDef } from './self-metrics.ts';

/** prom-client's process metrics that break the naming rules (gauges ending in `_total`). */
const NONCONFORMING_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * How often the event loop's delay is sampled for the nodejs_eventloop_lag_* families. prom-client's
 * default (10 ms) wakes the process 100 times a second: about 6.5 millicores on an idle agent, most of
 * what it cost a node with VPP alone (`npm run bench -- cost`).
 */
const EVENT_LOOP_SAMPLE_MS = 1000;

/**
 * The serving side's metrics: the process and event loop (prom-client's defaults) and the web
 * configuration. Rendered once per published cycle and appended to the collection's exposition.
 */
export class ServingMetrics {
  private readonly registry = new Registry();
  /** Made on first use: an unlabelled prom-client gauge would otherwise show 0 without a web configuration. */
  private webConfigReload?: Gauge;

  constructor(node: string, options: { processMetrics?: boolean } = {}) {
    this.registry.setDefaultLabels({ node });
    if (options.processMetrics !== false) {
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
      for (const name of NONCONFORMING_DEFAULTS) this.registry.removeSingleMetric(name);
    }
  }

  observeWebConfigReload(ok: boolean): void {
    if (!this.webConfigReload) {
      const d = selfMetricDef('web_config_last_reload_successful');
      this.webConfigReload = new Gauge({ name: d.name, help: d.help, registers: [this.registry] });
    }
    this.webConfigReload.set(ok ? 1 : 0);
  }

  /** The collection's exposition followed by these families: what a scrape gets. */
  async appendTo(collected: Buffer): Promise<Buffer> {
    return Buffer.concat([collected, Buffer.from(await this.registry.metrics())]);
  }
}
