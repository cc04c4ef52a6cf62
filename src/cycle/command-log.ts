import type { Logger } from 'pino';
import type { CommandStatus } from '../snapshot/vpp-snapshot.ts';

/**
 * One log line when a command starts failing, fails for another reason, or recovers, and one when the lines
 * its parser skipped change: not one per cycle. Keys name the command (and, for pods, the pod).
 */
export class CommandLog {
  private readonly lastFailure = new Map<string, string>();
  private readonly lastUnparsed = new Map<string, string>();

  constructor(
    private readonly logger: Logger,
    /** `VPP` or `pod`, the start of every message. */
    private readonly subject: string,
  ) {}

  note(key: string, ctx: Record<string, unknown>, s: CommandStatus): void {
    const previous = this.lastFailure.get(key);
    if (s.state === 'failed') {
      // Keyed on the reason: messages of timeouts and garbage outputs change every cycle.
      const text = s.failure ?? 'failed';
      if (previous !== text) {
        this.logger.warn({ ...ctx, reason: s.failure }, `${this.subject} command failed: ${s.message}`);
        this.lastFailure.set(key, text);
      }
      return;
    }
    if (previous !== undefined) {
      this.logger.info(ctx, `${this.subject} command works again`);
      this.lastFailure.delete(key);
    }
    const report = s.report;
    const first = report?.firstUnparsed;
    const unparsedKey = first ? `${report?.unparsedLines}:${first.text}` : undefined;
    if (unparsedKey && this.lastUnparsed.get(key) !== unparsedKey) {
      this.lastUnparsed.set(key, unparsedKey);
      this.logger.warn(
        { ...ctx, unparsedLines: report?.unparsedLines, first },
        `${this.subject} command output had lines the parser does not understand; they were skipped`,
      );
    }
  }

  /** Drop what is remembered for keys that `keep` rejects (pods that are gone). */
  retain(keep: (key: string) => boolean): void {
    for (const map of [this.lastFailure, this.lastUnparsed]) {
      for (const key of map.keys()) if (!keep(key)) map.delete(key);
    }
  }
}
