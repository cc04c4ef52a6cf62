import type { MetricDef } from '../../exposition/metric-def.ts';
import type { ExpositionWriter } from '../../exposition/writer.ts';
import type { PodData } from '../../parsers/linux/records.ts';
import type { Parsed } from '../../parsers/parse-report.ts';
import type { PodSnapshot } from '../../snapshot/pod-snapshot.ts';
import type { PodCommand } from '../../sources/pod-commands.ts';

/** How one allowlisted command's output becomes part of a pod's data. */
export interface PodCommandParser {
  command: PodCommand;
  parse(text: string): Parsed<PodData>;
}

/**
 * One kind of pod data, end to end: the commands that feed it in each form with their pure parsers,
 * the metric families it owns and how they are rendered.
 */
export interface PodCollector {
  name: string;
  parsers: readonly PodCommandParser[];
  metrics: readonly MetricDef[];
  render(w: ExpositionWriter, pod: PodSnapshot, base: readonly string[]): void;
}

/** Labels every Meridio pod series carries; trench and conduit are empty (left out) until known. */
export const POD_BASE_LABELS = ['node', 'namespace', 'pod', 'trench', 'conduit'] as const;

export function podLabels(...extra: string[]): readonly string[] {
  return [...POD_BASE_LABELS, ...extra];
}

export function podBaseValues(pod: PodSnapshot): string[] {
  const t = pod.target;
  return [pod.node, t.namespace, t.pod, t.trench ?? '', t.conduit ?? ''];
}

/** Keep the first item of every key: two samples with one label set would break the whole family. */
export { firstByKey } from '../vpp/collector.ts';
