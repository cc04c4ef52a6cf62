import { Gauge, Registry } from 'prom-client';
import { ProcessMetrics } from './process-metrics.ts';
import { selfMetricDef } from './self-metrics.ts';

/**
 * The serving side's metrics: the process (CPU, memory, descriptors, event-loop delay) and the web
 * configuration. Rendered once per published cycle and appended to the collection's exposition.
 */
export class ServingMetrics {
  private readonly registry = new Registry();
  private readonly process?: ProcessMetrics;
  /** Made on first use: an unlabelled prom-client gauge would otherwise show 0 without a web configuration. */
  private webConfigReload?: Gauge;

  constructor(node: string, options: { processMetrics?: boolean } = {}) {
    this.registry.setDefaultLabels({ node });
    if (options.processMetrics !== false) this.process = new ProcessMetrics(node);
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
    const own = this.process?.render() ?? [];
    return Buffer.concat([collected, ...own, Buffer.from(await this.registry.metrics())]);
  }

  stop(): void {
    this.process?.stop();
  }
}
