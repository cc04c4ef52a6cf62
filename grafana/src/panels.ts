import type * as common from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as NodeGraphBuilder } from '@grafana/grafana-foundation-sdk/nodegraph';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TableBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/** Every panel and query uses the dashboard's datasource variable: no datasource UID is hard-coded. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own variable syntax, meant literally.
export const DATASOURCE_UID = '${datasource}';
export const DATASOURCE: common.DataSourceRef = { type: 'prometheus', uid: DATASOURCE_UID };

/** Label matchers for the template variables, by what a family carries. */
export const VPP = 'node=~"$node", forwarder=~"$forwarder"';
export const POD = 'node=~"$node", namespace=~"$namespace", pod=~"$pod"';
export const NODE = 'node=~"$node"';

export const TAG = 'meridio-path-exporter';

function variable(name: string, label: string, query: string): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query({ query, refId: name })
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.NaturalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*');
}

/** A dashboard with the shared variables, and links to the others that keep variables and time. */
export function meridioDashboard(title: string, uid: string, description: string): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags([TAG])
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(variable('node', 'Node', 'label_values(meridio_path_exporter_build_info, node)'))
    .withVariable(
      variable('forwarder', 'Forwarder', 'label_values(vpp_interface_info{node=~"$node"}, forwarder)'),
    )
    .withVariable(
      variable('namespace', 'Namespace (trench)', 'label_values(meridio_pod_info{node=~"$node"}, namespace)'),
    )
    .withVariable(
      variable('pod', 'Pod', 'label_values(meridio_pod_info{node=~"$node", namespace=~"$namespace"}, pod)'),
    )
    .link(
      new DashboardLinkBuilder('Meridio path')
        .type(DashboardLinkType.Dashboards)
        .tags([TAG])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    );
}

export function row(title: string): RowBuilder {
  return new RowBuilder(title);
}

function query(expr: string, legend: string, format?: 'table'): DataqueryBuilder {
  const q = new DataqueryBuilder().datasource(DATASOURCE).expr(expr).legendFormat(legend);
  return format === 'table' ? q.format(PromQueryFormat.Table).instant() : q.range();
}

interface PanelOptions {
  description?: string;
  w?: number;
  h?: number;
}

/** The builder methods every panel kind shares (each returns the builder). */
interface CommonPanel<P> {
  title(title: string): P;
  unit(unit: string): P;
  datasource(datasource: common.DataSourceRef): P;
  span(w: number): P;
  height(h: number): P;
  description(description: string): P;
  withTarget(target: DataqueryBuilder): P;
}

/** Title, unit, datasource variable, size, description and one query per `[expr, legend]`, refIds A, B… */
function withQueries<P extends CommonPanel<P>>(
  panel: P,
  title: string,
  unit: string,
  queries: [string, string][],
  format: 'table' | undefined,
  opts: PanelOptions,
): P {
  panel
    .title(title)
    .unit(unit)
    .datasource(DATASOURCE)
    .span(opts.w ?? 12)
    .height(opts.h ?? 8);
  if (opts.description) panel.description(opts.description);
  queries.forEach(([expr, legend], i) => {
    panel.withTarget(query(expr, legend, format).refId(String.fromCharCode(65 + i)));
  });
  return panel;
}

/** A time series of one or more queries, each `[expr, legend]`. */
export function timeseries(
  title: string,
  unit: string,
  queries: [string, string][],
  opts: PanelOptions = {},
): TimeSeriesBuilder {
  return withQueries(new TimeSeriesBuilder().fillOpacity(10), title, unit, queries, undefined, opts);
}

/** A table of instant queries (labels as columns). */
export function table(
  title: string,
  unit: string,
  queries: [string, string][],
  opts: PanelOptions = {},
): TableBuilder {
  const p = withQueries(new TableBuilder(), title, unit, queries, 'table', opts);
  // One table of all queries' rows: drop the time column, show labels and the value.
  p.withTransformation({ id: 'merge', options: {} });
  p.withTransformation({ id: 'organize', options: { excludeByName: { Time: true, __name__: true } } });
  return p;
}

/** Grafana's Node Graph from the path metrics: nodes from meridio_path_node_info, edges from links. */
export function pathNodeGraph(title: string): NodeGraphBuilder {
  const nodes = `meridio_path_node_info{${NODE}}`;
  const edges = `label_join(label_replace(label_replace(meridio_path_link_info{${NODE}} * on (node, type, from, to) group_left meridio_path_link_up, "source", "$1", "from", "(.*)"), "target", "$1", "to", "(.*)"), "id", "|", "type", "from", "to")`;
  return new NodeGraphBuilder()
    .title(title)
    .description(
      'The path of the selected nodes: pod and VPP interfaces, remote nodes, VIP tables. Edge value 1 is up, 0 down.',
    )
    .unit('none')
    .datasource(DATASOURCE)
    .span(24)
    .height(12)
    .withTarget(query(nodes, '', 'table').refId('nodes'))
    .withTarget(query(edges, '', 'table').refId('edges'))
    .withTransformation({
      id: 'organize',
      options: { excludeByName: { Time: true, __name__: true }, renameByName: { Value: 'mainstat' } },
    });
}
