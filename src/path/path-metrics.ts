import { defineMetric } from '../exposition/metric-def.ts';
import { ExpositionWriter } from '../exposition/writer.ts';
import type { PathGraph, PathNode } from './graph.ts';

const SOURCE = 'path correlation';

const linkInfo = defineMetric({
  name: 'meridio_path_link_info',
  type: 'gauge',
  help: 'A link of the traffic path (tap-peer, xconnect, vxlan, bridge-member, nexthop, fdb, vip) between two path nodes, with what matched them; to_presence is missing when the far end should exist and does not.',
  labels: [
    'node',
    'type',
    'from',
    'to',
    'from_kind',
    'from_namespace',
    'from_pod',
    'from_interface',
    'to_kind',
    'to_namespace',
    'to_pod',
    'to_interface',
    'to_presence',
    'evidence',
  ],
  source: SOURCE,
});

const linkUp = defineMetric({
  name: 'meridio_path_link_up',
  type: 'gauge',
  help: '1 when both ends of a path link are present and up (admin state, carrier, neighbour state, cross-connect both ways), 0 when not; absent when an end could not be read.',
  labels: ['node', 'type', 'from', 'to'],
  source: SOURCE,
});

const nodeInfo = defineMetric({
  name: 'meridio_path_node_info',
  type: 'gauge',
  help: 'A node of the traffic path (pod interface, VPP interface, remote node, VIP routing table, remote endpoint), for the Node Graph panel: id matches the from/to labels of meridio_path_link_info.',
  labels: ['node', 'id', 'kind', 'title', 'namespace', 'pod', 'role', 'interface', 'presence'],
  source: SOURCE,
});

export const PATH_METRICS = [linkInfo, linkUp, nodeInfo] as const;

/** The path families of one cycle. Bounded by the path: one series per link and per node. */
export function renderPathMetricParts(graph: PathGraph): Buffer[] {
  const w = new ExpositionWriter();
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const seen = new Set<string>();
  for (const link of graph.links) {
    if (seen.has(link.id)) continue;
    seen.add(link.id);
    const from = nodes.get(link.from);
    const to = nodes.get(link.to);
    w.sample(
      linkInfo,
      [
        graph.node,
        link.type,
        link.from,
        link.to,
        ...endLabels(from),
        ...endLabels(to),
        to?.presence ?? 'unknown',
        link.evidence.join(','),
      ],
      1,
    );
    if (link.health.status !== 'unknown') {
      w.sample(linkUp, [graph.node, link.type, link.from, link.to], link.health.status === 'up' ? 1 : 0);
    }
  }
  for (const n of graph.nodes) {
    w.sample(
      nodeInfo,
      [
        graph.node,
        n.id,
        n.kind,
        n.title,
        n.namespace ?? '',
        n.pod ?? '',
        n.role ?? '',
        n.interface ?? '',
        n.presence,
      ],
      1,
    );
  }
  return w.renderParts();
}

function endLabels(n: PathNode | undefined): string[] {
  return [n?.kind ?? '', n?.namespace ?? '', n?.pod ?? '', n?.interface ?? ''];
}
