import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CommandReading,
  judgeResult,
  runCommand,
  StateResults,
} from '../../../src/cycle/command-runner.ts';
import { vppOutputFailure } from '../../../src/parsers/vpp/vpp-error.ts';
import { SourceError } from '../../../src/sources/source-error.ts';

/** Lines that are numbers are understood; any other line is counted as unparsed. */
const NUMBERS: CommandReading<number[]> = {
  command: 'show numbers',
  parse: (text) => {
    const value: number[] = [];
    let unparsedLines = 0;
    let firstUnparsed: { lineNo: number; text: string } | undefined;
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      if (/^\d+$/.test(line.trim())) value.push(Number(line));
      else {
        unparsedLines++;
        firstUnparsed ??= { lineNo: i + 1, text: line };
      }
    });
    return { value, report: { unparsedLines, truncated: [], ...(firstUnparsed && { firstUnparsed }) } };
  },
  isEmpty: (v) => v.length === 0,
  inBandFailure: vppOutputFailure,
};
const LIMITS = { commandTimeoutMs: 5000, timeoutMs: 5000 };
const text = (t: string) => ({ kind: 'text' as const, text: t, durationSeconds: 0.25 });

describe('judgeResult: one judgement for every command', () => {
  it('hands on the parsed value with its report and the duration the source measured', () => {
    const { status, value } = judgeResult(NUMBERS, text('1\r\n2\r\nx\r\n'), 1000, LIMITS);
    assert.deepEqual(value, [1, 2]);
    assert.equal(status.state, 'ok');
    assert.equal(status.durationSeconds, 0.25);
    assert.equal(status.readAt, 1000);
    assert.equal(status.ranThisCycle, true);
    assert.equal(status.report?.unparsedLines, 1);
  });

  it('fails as parse when not one line of a non-empty output was understood', () => {
    const { status, value } = judgeResult(NUMBERS, text('what\nis this\n'), 0, LIMITS);
    assert.equal(value, undefined);
    assert.equal(status.failure, 'parse');
    assert.equal(status.message, 'no line of the output was understood (first: line 1: "what")');
  });

  it('takes an empty output as an empty value, not a failure', () => {
    const { status, value } = judgeResult(NUMBERS, text(''), 0, LIMITS);
    assert.equal(status.state, 'ok');
    assert.deepEqual(value, []);
  });

  it("catches VPP's in-band error and a cut last line before parsing", () => {
    const error = judgeResult(NUMBERS, text("show: unknown input `numbers'\r\n"), 0, LIMITS);
    assert.equal(error.status.failure, 'command-error');
    assert.equal(error.status.message, "show: unknown input `numbers'");
    const cut = judgeResult(NUMBERS, text('1\r\n2'), 0, LIMITS);
    assert.equal(cut.status.failure, 'truncated-output');
    assert.equal(cut.value, undefined);
  });

  it("names the limit a timeout ran into: the command's own, or what the deadline left", () => {
    const failed = {
      kind: 'failed' as const,
      error: new SourceError('timeout', 'no answer'),
      durationSeconds: 0.1,
    };
    assert.match(judgeResult(NUMBERS, failed, 0, LIMITS).status.message ?? '', /--collect\.command-timeout/);
    const short = judgeResult(NUMBERS, failed, 0, { commandTimeoutMs: 5000, timeoutMs: 40 });
    assert.match(short.status.message ?? '', /within the 40 ms left before the cycle's deadline/);
    const io = judgeResult(NUMBERS, { ...failed, error: new SourceError('io', 'EPIPE') }, 0, LIMITS);
    assert.equal(io.status.message, 'EPIPE');
    assert.equal(io.status.failure, 'io');
  });

  it('says when a recording has no output for the command', () => {
    assert.equal(judgeResult(NUMBERS, { kind: 'not-recorded' }, 0, LIMITS).status.state, 'not-recorded');
  });
});

describe('runCommand', () => {
  it('does not run a command once the deadline has passed', async () => {
    let ran = false;
    const { status } = await runCommand(
      NUMBERS,
      async () => {
        ran = true;
        return text('1\n');
      },
      { commandTimeoutMs: 5000, deadlineAt: 1000, now: () => 1000 },
    );
    assert.equal(ran, false);
    assert.equal(status.failure, 'timeout');
    assert.equal(status.message, 'the cycle deadline passed before this command ran');
  });

  it('gives the command what is left of the deadline when that is less than its timeout', async () => {
    let given = 0;
    await runCommand(
      NUMBERS,
      async (timeoutMs) => {
        given = timeoutMs;
        return text('1\n');
      },
      { commandTimeoutMs: 5000, deadlineAt: 1300, now: () => 1000 },
    );
    assert.equal(given, 300);
  });
});

describe('StateResults: when a state command runs again', () => {
  const ok = (readAt: number) => ({
    status: { command: 'c', state: 'ok' as const, durationSeconds: 0, readAt, ranThisCycle: true },
    value: 1,
  });

  it('is due when never read, after a failure, when the interfaces changed, and once the interval passed', () => {
    let now = 0;
    const state = new StateResults<string, number>(60_000, () => now);
    assert.equal(state.due('c', false), true);
    state.keep('c', ok(0));
    now = 15_000;
    assert.equal(state.due('c', false), false);
    assert.equal(state.due('c', true), true);
    // A cycle that fires a little early is not pushed one whole cycle late.
    now = 59_500;
    assert.equal(state.due('c', false), true);
    state.keep('c', { status: { ...ok(now).status, state: 'failed' as const } });
    now = 60_000;
    assert.equal(state.due('c', false), true);
  });

  it('carries the last result over as not run this cycle, and forgets it when told', () => {
    const state = new StateResults<string, number>(60_000, () => 0);
    state.keep('c', ok(0));
    const carried = state.carried('c');
    assert.equal(carried?.status.ranThisCycle, false);
    assert.equal(carried?.value, 1);
    state.forget('c');
    assert.equal(state.carried('c'), undefined);
  });
});
