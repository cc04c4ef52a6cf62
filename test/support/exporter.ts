import pino from 'pino';
import { type Config, parseCli } from '../../src/config/config.ts';
import type { CycleSummary } from '../../src/cycle/cycles.ts';
import { type RunningExporter, startExporter } from '../../src/exporter.ts';

/** Start the exporter in-process on a free loopback port, as `main` would with these flags. */
export async function startTestExporter(
  argv: string[],
  options: {
    schedule?: boolean;
    discoveryWaitMs?: number;
    webConfigWatchMs?: number;
    /** Where to listen; by default a free port on loopback. */
    listenAddress?: string;
  } = {},
): Promise<RunningExporter> {
  const listen = options.listenAddress ?? '127.0.0.1:0';
  const request = parseCli([`--web.listen-address=${listen}`, '--log.level=error', ...argv], {});
  if (request.kind !== 'run') throw new Error('expected a run configuration');
  const config: Config = request.config;
  return startExporter(config, pino({ level: 'silent' }), {
    schedule: options.schedule ?? false,
    ...(options.discoveryWaitMs !== undefined && { discoveryWaitMs: options.discoveryWaitMs }),
    ...(options.webConfigWatchMs !== undefined && { webConfigWatchMs: options.webConfigWatchMs }),
  });
}

/** Run one cycle now; a failed cycle fails the test. */
export async function runCycle(exporter: RunningExporter): Promise<CycleSummary> {
  const summary = await exporter.cycles.runCycle();
  if (!summary) throw new Error('the collection cycle failed (see the exporter log)');
  return summary;
}
