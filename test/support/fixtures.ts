import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stripProvenance } from '../../src/sources/replay.ts';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const DEMO = fileURLToPath(new URL('../../demo/', import.meta.url));

/** A VPP sample as the client would return it: provenance lines and NUL bytes removed. */
export function vppFixture(name: string): string {
  return stripProvenance(readFileSync(`${FIXTURES}vpp/${name}`, 'utf8')).replaceAll('\u0000', '');
}

export function demoVpp(node: 'worker-a' | 'worker-b', slug: string): string {
  return stripProvenance(readFileSync(`${DEMO}${node}/vpp/${slug}.txt`, 'utf8'));
}
