/** A metric family the exporter can emit. Collectors declare these next to the code that fills them. */
export interface MetricDef {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  /** Label names, in the order they are rendered. */
  labels: readonly string[];
  /** Where the value comes from, for the README's metric table (a command, or `exporter`). */
  source: string;
}

export function defineMetric(def: MetricDef): MetricDef {
  return def;
}
