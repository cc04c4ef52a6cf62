import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { MetricDef } from './metric-def.ts';
import { SELF_METRICS, SELF_PREFIX } from './self-metrics.ts';

/** prom-client's process metrics that break the naming rules (gauges ending in `_total`). */
const NONCONFORMING_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * Metrics of the thread that serves: the process and event loop (prom-client's defaults, whose event
 * loop and heap figures are this thread's) and the web configuration. Rendered once per published
 * cycle and appended to the collection's exposition.
 */
export class ServingMetrics {
  private readonly registry = new Registry();
  /** Made on first use: an unlabelled prom-client gauge would otherwise show 0 without a web configuration. */
  private webConfigReload?: Gauge;

  constructor(node: string, options: { processMetrics?: boolean } = {}) {
    this.registry.setDefaultLabels({ node });
    if (options.processMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
      for (const name of NONCONFORMING_DEFAULTS) this.registry.removeSingleMetric(name);
    }
  }

  observeWebConfigReload(ok: boolean): void {
    if (!this.webConfigReload) {
      const d = SELF_METRICS.find(
        (m) => m.name === `${SELF_PREFIX}web_config_last_reload_successful`,
      ) as MetricDef;
      this.webConfigReload = new Gauge({ name: d.name, help: d.help, registers: [this.registry] });
    }
    this.webConfigReload.set(ok ? 1 : 0);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
