import type { Parsed } from '../parsers/parse-report.ts';
import type { CommandStatus } from '../snapshot/vpp-snapshot.ts';
import type { CommandResult } from '../sources/pod-source.ts';
import { yieldToEventLoop } from '../util/yield.ts';
import { failureMessage } from './timeout-text.ts';

/**
 * How every command runs and is judged, for VPP's commands, VPP's namespace links and the pods'
 * commands alike: under the cycle's deadline, in-band errors and cut output caught, parsed, and a state
 * command's last result kept between its runs. The rules and their words live here once.
 */

/** A command that never ran because the cycle's time was spent. */
const DEADLINE_PASSED = {
  state: 'failed',
  failure: 'timeout',
  message: 'the cycle deadline passed before this command ran',
} as const;

/** A failure found in the text of an output that arrived whole (VPP's in-band errors, cut lines). */
type InBandFailure = Required<Pick<CommandStatus, 'failure' | 'message'>>;

/** How one command's output is read. */
export interface CommandReading<T> {
  command: string;
  parse: (text: string) => Parsed<T>;
  /** True when nothing was parsed: with unparsed lines, the output was not understood at all. */
  isEmpty: (value: T) => boolean;
  inBandFailure?: (text: string) => InBandFailure | undefined;
}

/** A status, and the parsed value when the command succeeded. */
export interface Judged<T> {
  status: CommandStatus;
  value?: T;
}

/** The limits one command ran under: what was configured, and what the cycle's deadline left of it. */
interface CommandLimits {
  commandTimeoutMs: number;
  timeoutMs: number;
}

/** How long a command may take now: its timeout, or less when the cycle's deadline is nearer. */
export function timeLeftMs(commandTimeoutMs: number, deadlineAt: number, now: number): number {
  return Math.min(commandTimeoutMs, deadlineAt - now);
}

/** The status of a command that was not run because the deadline had passed. */
export function deadlinePassed(command: string, readAt: number): CommandStatus {
  return { command, durationSeconds: 0, readAt, ranThisCycle: true, ...DEADLINE_PASSED };
}

/**
 * One result judged: a source failure (a timeout naming the limit it ran into), an in-band failure,
 * an output nothing of which was understood, or the parsed value.
 */
export function judgeResult<T>(
  reading: CommandReading<T>,
  result: CommandResult,
  readAt: number,
  limits: CommandLimits,
): Judged<T> {
  const base = { command: reading.command, readAt, ranThisCycle: true };
  if (result.kind === 'not-recorded')
    return { status: { ...base, durationSeconds: 0, state: 'not-recorded' } };
  const durationSeconds = result.durationSeconds;
  if (result.kind === 'failed') {
    const message = failureMessage(result.error, limits.commandTimeoutMs, limits.timeoutMs);
    return { status: { ...base, durationSeconds, state: 'failed', failure: result.error.reason, message } };
  }
  const text = result.text;
  const inBand = reading.inBandFailure?.(text);
  if (inBand) return { status: { ...base, durationSeconds, state: 'failed', ...inBand } };
  const parsed = reading.parse(text);
  if (text.trim() !== '' && reading.isEmpty(parsed.value) && parsed.report.unparsedLines > 0) {
    const first = parsed.report.firstUnparsed;
    const where = first ? ` (first: line ${first.lineNo}: ${JSON.stringify(first.text)})` : '';
    return {
      status: {
        ...base,
        durationSeconds,
        state: 'failed',
        failure: 'parse',
        message: `no line of the output was understood${where}`,
        report: parsed.report,
      },
    };
  }
  return { status: { ...base, durationSeconds, state: 'ok', report: parsed.report }, value: parsed.value };
}

/** Runs one command under the cycle's deadline and judges its result. `run` never rejects. */
export async function runCommand<T>(
  reading: CommandReading<T>,
  run: (timeoutMs: number) => Promise<CommandResult>,
  options: { commandTimeoutMs: number; deadlineAt: number; now: () => number },
): Promise<Judged<T>> {
  const readAt = options.now();
  const timeoutMs = timeLeftMs(options.commandTimeoutMs, options.deadlineAt, readAt);
  if (timeoutMs <= 0) return { status: deadlinePassed(reading.command, readAt) };
  const result = await run(timeoutMs);
  // Scrapes that arrived while the command ran are answered before its output is parsed.
  if (result.kind === 'text') await yieldToEventLoop();
  return judgeResult(reading, result, readAt, { commandTimeoutMs: options.commandTimeoutMs, timeoutMs });
}

/** Timer drift between cycles must not push a state read one whole cycle late. */
const TOLERANCE_MS = 1000;

/** Whether a state read made at `readAt` is due again. */
export function intervalPassed(readAt: number, now: number, stateIntervalMs: number): boolean {
  return now - readAt >= stateIntervalMs - TOLERANCE_MS;
}

/**
 * The last result of each state command (one that stops VPP's workers, or is read on the state
 * interval anyway). A command is due when never read, when its last read failed, when the interfaces
 * changed, or when the interval has passed; in between its last good result is carried over.
 */
export class StateResults<K, T> {
  private readonly results = new Map<K, Judged<T>>();

  constructor(
    private readonly stateIntervalMs: number,
    private readonly now: () => number,
  ) {}

  due(key: K, interfaceSetChanged: boolean): boolean {
    const last = this.results.get(key)?.status;
    return (
      last?.state !== 'ok' ||
      interfaceSetChanged ||
      intervalPassed(last.readAt, this.now(), this.stateIntervalMs)
    );
  }

  /** The last result, marked as not run this cycle. */
  carried(key: K): Judged<T> | undefined {
    const last = this.results.get(key);
    return last && { ...last, status: { ...last.status, ranThisCycle: false } };
  }

  keep(key: K, result: Judged<T>): void {
    this.results.set(key, result);
  }

  forget(key: K): void {
    this.results.delete(key);
  }
}
