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

/** Path of a VPP sample in test/fixtures/vpp. */
export function vppFixturePath(name: string): string {
  return `${FIXTURES}vpp/${name}`;
}

/** Path of a Linux sample in test/fixtures/linux. */
export function linuxFixturePath(name: string): string {
  return `${FIXTURES}linux/${name}`;
}

/** A Linux sample (guide text or a namespace recording), provenance lines removed. */
export function linuxFixture(name: string): string {
  return stripProvenance(readFileSync(`${FIXTURES}linux/${name}`, 'utf8'));
}

/** A recorded pod output of the demo. */
export function demoPod(node: 'worker-a' | 'worker-b', pod: string, slug: string): string {
  return stripProvenance(readFileSync(`${DEMO}${node}/pods/red/${pod}/${slug}.txt`, 'utf8'));
}

export const PROXY = 'proxy-conduit-a-1-abc';
export const FRONTEND_GHI = 'stateless-lb-frontend-attractor-a-1-ghi';
export const TARGET = 'target-a-1';
