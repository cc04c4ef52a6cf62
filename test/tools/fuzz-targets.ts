import { POD_COLLECTORS } from '../../src/collectors/pod/index.ts';
import { VPP_COLLECTORS } from '../../src/collectors/vpp/index.ts';
import type { Parsed } from '../../src/parsers/parse-report.ts';

/** What the fuzzers (fuzz-parsers.ts, fuzz-segment.ts) and their replayed findings hold the code to. */
export const MAX_PARSE_MS = 1000;
export const MAX_READ_MS = 500;
export const MAX_READ_NEW_BYTES = 64 * 1024 * 1024;

export type Parser = (text: string) => Parsed<unknown>;

/**
 * Every parser as the exporter calls it, taken from the collectors (a new parser is fuzzed without
 * being listed), by the file-name slug its findings are kept under.
 */
export const PARSERS: readonly { name: string; slug: string; parse: Parser; kind: 'vpp' | 'linux' }[] = [
  ...VPP_COLLECTORS.map((c) => ({ name: c.command, parse: c.parse as Parser, kind: 'vpp' as const })),
  ...POD_COLLECTORS.flatMap((c) =>
    c.parsers.map((p) => ({ name: p.command.id, parse: p.parse as Parser, kind: 'linux' as const })),
  ),
].map((p) => ({ ...p, slug: p.name.replace(/[^a-z0-9]+/gi, '-') }));
