import { Session } from 'node:inspector/promises';

/**
 * What makes the fuzzers coverage-guided: V8's precise block coverage of this process, read through
 * the inspector after each input. An input that reached a block of the code under test that no earlier
 * input reached is worth mutating further.
 */
export class CoverageGuide {
  private readonly session = new Session();
  /** Blocks reached so far, as `url:start:end`. */
  private readonly seen = new Set<string>();

  /** `under`: a part of the source files' URLs, e.g. `/src/parsers/`. */
  constructor(private readonly under: string) {}

  get blocks(): number {
    return this.seen.size;
  }

  async start(): Promise<void> {
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  /** Blocks reached since the last call (V8 resets its counts) that no earlier call saw. */
  async newBlocks(): Promise<number> {
    const { result } = await this.session.post('Profiler.takePreciseCoverage');
    let added = 0;
    for (const script of result) {
      if (!script.url.includes(this.under)) continue;
      for (const fn of script.functions) {
        for (const range of fn.ranges) {
          if (range.count === 0) continue;
          const key = `${script.url}:${range.startOffset}:${range.endOffset}`;
          if (this.seen.has(key)) continue;
          this.seen.add(key);
          added++;
        }
      }
    }
    return added;
  }

  async stop(): Promise<void> {
    await this.session.post('Profiler.stopPreciseCoverage');
    this.session.disconnect();
  }
}
