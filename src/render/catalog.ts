import { POD_COLLECTORS } from '../collectors/pod/index.ts';
import { VPP_FAMILIES } from '../collectors/vpp/index.ts';
import type { MetricDef } from '../exposition/metric-def.ts';
import { SELF_METRICS } from '../exposition/self-metrics.ts';
import { PATH_METRICS } from '../path/path-metrics.ts';

/** Every family the exporter can emit (besides prom-client's process_/nodejs_ metrics). */
export const ALL_METRICS: readonly MetricDef[] = [
  ...VPP_FAMILIES.flatMap((c) => c.metrics),
  ...POD_COLLECTORS.flatMap((c) => c.metrics),
  ...PATH_METRICS,
  ...SELF_METRICS,
];
