import { defineMetric } from '../../exposition/metric-def.ts';
import { type PodCollector, podLabels } from './collector.ts';

const podInfo = defineMetric({
  name: 'meridio_pod_info',
  type: 'gauge',
  help: 'A Meridio pod the exporter reads: its role, attractor (frontends), how it is read (source) and which output form could be read (json, text, proc; empty when none).',
  labels: podLabels('role', 'attractor', 'source', 'form'),
  source: 'exporter',
});

/** One series per pod, also when nothing of it could be read: its absence is then visible elsewhere. */
export const podInfoCollector: PodCollector = {
  name: 'pod',
  parsers: [],
  metrics: [podInfo],
  render(w, pod, base) {
    w.sample(
      podInfo,
      [...base, pod.target.role ?? '', pod.target.attractor ?? '', pod.sourceKind, pod.form ?? ''],
      1,
    );
  },
};
