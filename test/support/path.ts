import assert from 'node:assert/strict';
import type { PathGraph, PathLink } from '../../src/path/graph.ts';

/** The one link of `graph` that `pred` selects; fails naming what was found when not exactly one. */
export function onlyLink(graph: PathGraph, pred: (l: PathLink) => boolean): PathLink {
  const found = graph.links.filter(pred);
  assert.equal(found.length, 1, `expected one link, found ${found.map((l) => l.id).join(', ') || 'none'}`);
  return found[0] as PathLink;
}
