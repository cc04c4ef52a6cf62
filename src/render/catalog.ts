import { POD_COLLECTORS } from '../collectors/pod/index.ts';
import { VPP_FAMILIES } from '../collectors/vpp/index.ts';
import type { MetricDef } from '../exposition/metric-def.ts';
import { PROCESS_METRICS } from '../exposition/process-metrics.ts';
import { SELF_METRICS } from '../exposition/self-metrics.ts';
import { PATH_METRICS } from '../path/path-metrics.ts';

/** Every family the exporter can emit. */
export const ALL_METRICS: readonly MetricDef[] = [
  ...VPP_FAMILIES.flatMap((c) => c.metrics),
  ...POD_COLLECTORS.flatMap((c) => c.metrics),
  ...PATH_METRICS,
  ...SELF_METRICS,
  ...PROCESS_METRICS,
];
