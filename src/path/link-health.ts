import {
  type LinkHealth,
  type LinkType,
  linkId,
  type PathLink,
  type PathNode,
  type Traffic,
} from './graph.ts';

/** What is wrong with one end of a link, from its own state. */
export function endProblems(node: PathNode): string[] {
  if (node.presence === 'missing') return [`${node.title} is missing${node.note ? `: ${node.note}` : ''}`];
  const problems: string[] = [];
  if (node.adminUp === false) problems.push(`${node.title} is admin down`);
  else if (node.carrierUp === false) problems.push(`${node.title} has no carrier`);
  else if (node.operState === 'DOWN' || node.operState === 'LOWERLAYERDOWN')
    problems.push(`${node.title} is ${node.operState}`);
  return problems;
}

/**
 * A link between two nodes, down when an end (or `extraProblems`) says so, unknown when an end could
 * not be read and nothing is known to be wrong.
 */
export function makeLink(
  type: LinkType,
  from: PathNode,
  to: PathNode,
  evidence: string[],
  details: Record<string, string | number> = {},
  extraProblems: string[] = [],
): PathLink {
  const problems = [...endProblems(from), ...endProblems(to), ...extraProblems];
  const unknown = [from, to].filter((n) => n.presence === 'unknown');
  let status: LinkHealth['status'] = 'up';
  if (problems.length > 0) status = 'down';
  else if (unknown.length > 0) {
    status = 'unknown';
    for (const n of unknown) problems.push(`${n.title} could not be read${n.note ? `: ${n.note}` : ''}`);
  }
  return {
    id: linkId(type, from.id, to.id),
    type,
    from: from.id,
    to: to.id,
    evidence,
    health: { status, problems },
    details,
  };
}

/** Fill `moving` and `dropsIncreased` from the ends' counters of this cycle and the previous one. */
export function markTraffic(
  link: PathLink,
  nodes: ReadonlyMap<string, PathNode>,
  previous: ReadonlyMap<string, Traffic> | undefined,
): void {
  if (!previous) return;
  let compared = false;
  let moving = false;
  let dropsIncreased = false;
  for (const id of [link.from, link.to]) {
    const now = nodes.get(id)?.traffic;
    const before = previous.get(id);
    if (!now || !before) continue;
    for (const key of ['rxPackets', 'txPackets'] as const) {
      const a = before[key];
      const b = now[key];
      if (a === undefined || b === undefined) continue;
      compared = true;
      if (a !== b) moving = true;
    }
    if (before.drops !== undefined && now.drops !== undefined && now.drops > before.drops)
      dropsIncreased = true;
  }
  if (compared) link.health.moving = moving;
  if (compared || dropsIncreased) link.health.dropsIncreased = dropsIncreased;
}
