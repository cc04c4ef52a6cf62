import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandOutput, VppSource } from './command-source.ts';
import { SourceError } from './source-error.ts';
import { assertAllowedVppCommand, commandSlug, type VppCommand } from './vpp-commands.ts';

/**
 * Recorded outputs: `<dir>/vpp/<command with spaces as ->.txt`. Files are read again every cycle, so a
 * test (or an operator) can swap a recording while the exporter runs. A missing file means the command
 * was not recorded: it is skipped, not reported as a failure.
 */
export class ReplaySource implements VppSource {
  readonly kind = 'replay';

  constructor(readonly location: string) {}

  async run(command: VppCommand, timeoutMs: number): Promise<CommandOutput> {
    assertAllowedVppCommand(command);
    const text = await readRecording(join(this.location, 'vpp', `${commandSlug(command)}.txt`), timeoutMs);
    if (text === undefined) return { kind: 'not-recorded' };
    return { kind: 'text', text: text.replaceAll('\u0000', '') };
  }
}

/**
 * A recorded output without its provenance lines; undefined when the file does not exist (the command
 * was not recorded). Other read problems reject with a SourceError.
 */
export async function readRecording(file: string, timeoutMs: number): Promise<string | undefined> {
  try {
    return stripProvenance(
      await readFile(file, { encoding: 'utf8', signal: AbortSignal.timeout(timeoutMs) }),
    );
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return undefined;
    if (e.name === 'AbortError') throw new SourceError('timeout', `reading ${file} did not finish`);
    throw new SourceError('io', `cannot read ${file}: ${e.message}`);
  }
}

/** Drop the leading `# ` provenance lines of a recording. */
export function stripProvenance(text: string): string {
  let start = 0;
  while (text.startsWith('# ', start) || text.startsWith('#\n', start)) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) return '';
    start = nl + 1;
  }
  return text.slice(start);
}
