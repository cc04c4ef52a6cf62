import { POD_COLLECTORS } from '../collectors/pod/index.ts';
import { VPP_FAMILIES } from '../collectors/vpp/index.ts';
import { PATH_METRICS } from '../path/path-metrics.ts';
import type { MetricDef } from './metric-def.ts';
import { SELF_METRICS } from './self-metrics.ts';

/** Every family the exporter can emit (besides prom-client's process_/nodejs_ metrics). */
export const ALL_METRICS: readonly MetricDef[] = [
  ...VPP_FAMILIES.flatMap((c) => c.metrics),
  ...POD_COLLECTORS.flatMap((c) => c.metrics),
  ...PATH_METRICS,
  ...SELF_METRICS,
];
