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
    const file = join(this.location, 'vpp', `${commandSlug(command)}.txt`);
    let text: string;
    try {
      text = await readFile(file, { encoding: 'utf8', signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') return { kind: 'not-recorded' };
      if (e.name === 'AbortError')
        throw new SourceError('timeout', `reading ${file} took over ${timeoutMs} ms`);
      throw new SourceError('io', `cannot read ${file}: ${e.message}`);
    }
    return { kind: 'text', text: stripProvenance(text).replaceAll('\u0000', '') };
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
