import type { LinkType, PathLink, PathNode } from './graph.ts';

/**
 * Links whose disappearance is a fault, not a change of the cluster: a nexthop removed from a VIP table,
 * a cross-connect removed, a port taken out of its bridge. Their `from` end stays (the table, the VPP
 * interface, the port), so a link that was there and is gone would otherwise just vanish from the page.
 * Taps, tunnels and VIPs go away with their pod or are checked against what is expected; FDB entries
 * age out by themselves (300 s without traffic), so they are not remembered.
 */
const REMEMBERED: ReadonlySet<LinkType> = new Set(['nexthop', 'xconnect', 'bridge-member']);
/**
 * Types of which an end has at most one link: an interface is cross-connected to one peer, a port is in
 * one bridge. A remembered link whose ends are both linked anew or gone was replaced (NSM cross-connected
 * the interface to a new pod's, the port moved), which is a change, not a fault.
 */
const ONE_PER_END: ReadonlySet<LinkType> = new Set(['xconnect', 'bridge-member']);

interface Seen {
  link: PathLink;
  to: PathNode;
  at: number;
}

/**
 * Remembers the links of recent cycles and puts back, as down links to their old far end, those that
 * are gone while their `from` end is still there, for `windowMs` after they were last seen. A cycle
 * whose reads were incomplete neither adds nor forgets anything: a link missing because a read failed
 * is unknown, not gone.
 */
export class GoneLinks {
  private readonly seen = new Map<string, Seen>();

  constructor(private readonly windowMs: number) {}

  /**
   * The links to put back this cycle. `nodes` are all the nodes the snapshots show (before unused ones
   * are pruned), where restored far ends are added; `complete` is false when a read failed.
   */
  restore(
    links: readonly PathLink[],
    nodes: Map<string, PathNode>,
    complete: boolean,
    now: number,
  ): PathLink[] {
    if (this.windowMs <= 0) return [];
    const current = new Set(links.map((l) => l.id));
    const linkedEnds = new Set<string>();
    for (const l of links) {
      if (ONE_PER_END.has(l.type)) linkedEnds.add(`${l.type}|${l.from}`).add(`${l.type}|${l.to}`);
    }
    const restored: PathLink[] = [];
    for (const [id, s] of this.seen) {
      if (current.has(id)) continue;
      // Replaced: its `from` end is linked anew and its old far end is gone or linked anew too (an old
      // peer still there and alone is a broken link, not a replaced one).
      const relinked = (end: string) => linkedEnds.has(`${s.link.type}|${end}`);
      const replaced =
        ONE_PER_END.has(s.link.type) &&
        relinked(s.link.from) &&
        (!nodes.has(s.link.to) || relinked(s.link.to));
      if (now - s.at > this.windowMs || !nodes.has(s.link.from) || replaced) {
        this.seen.delete(id);
        continue;
      }
      if (!complete) continue;
      const since = new Date(s.at).toISOString();
      if (!nodes.has(s.link.to)) {
        const { traffic: _gone, ...end } = s.to;
        nodes.set(end.id, { ...end, presence: 'missing', note: `not seen since ${since}` });
      }
      restored.push({
        ...s.link,
        evidence: [],
        health: {
          status: 'down',
          problems: [`this ${s.link.type} link was there until ${since} and is gone (${describe(s.link)})`],
        },
      });
    }
    for (const link of links) {
      if (!REMEMBERED.has(link.type)) continue;
      const to = nodes.get(link.to);
      if (to?.presence === 'present') this.seen.set(link.id, { link, to, at: now });
    }
    return restored;
  }
}

function describe(l: PathLink): string {
  const d = l.details;
  if (l.type === 'nexthop') return `table ${d.table} via ${d.via ?? '?'}`;
  if (l.type === 'xconnect') return `cross-connect ${l.from} → ${l.to}`;
  return `port ${l.from} of ${l.to}`;
}
