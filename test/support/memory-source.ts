import type { CommandOutput, VppSource } from '../../src/sources/command-source.ts';
import { SourceError, type SourceFailure } from '../../src/sources/source-error.ts';
import type { VppCommand } from '../../src/sources/vpp-commands.ts';

/** A source whose answers a test sets per command: text, a failure, or nothing recorded. */
export class MemorySource implements VppSource {
  readonly kind = 'memory';
  readonly location = 'memory';
  readonly calls: VppCommand[] = [];
  answers = new Map<VppCommand, string | SourceFailure>();

  async run(command: VppCommand): Promise<CommandOutput> {
    this.calls.push(command);
    const a = this.answers.get(command);
    if (a === undefined) return { kind: 'not-recorded' };
    if (['timeout', 'connect', 'closed-early', 'too-large', 'io'].includes(a)) {
      throw new SourceError(a as SourceFailure, `simulated ${a}`);
    }
    return { kind: 'text', text: a };
  }
}
