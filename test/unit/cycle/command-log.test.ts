import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { CommandLog } from '../../../src/cycle/command-log.ts';
import type { CommandStatus } from '../../../src/snapshot/vpp-snapshot.ts';

function capture() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l)) });
  return { lines, log: new CommandLog(logger, 'VPP') };
}

const status = (s: Partial<CommandStatus>): CommandStatus => ({
  command: 'show interface',
  state: 'ok',
  durationSeconds: 0,
  readAt: 0,
  ranThisCycle: true,
  ...s,
});

describe('CommandLog', () => {
  it('logs a failure once while its reason stays, though the message changes every cycle', () => {
    const { lines, log } = capture();
    for (const ms of [5000, 4998, 4997]) {
      log.note('k', {}, status({ state: 'failed', failure: 'timeout', message: `took over ${ms} ms` }));
    }
    log.note('k', {}, status({ state: 'failed', failure: 'parse', message: 'garbage 1' }));
    log.note('k', {}, status({ state: 'failed', failure: 'parse', message: 'garbage 2' }));
    log.note('k', {}, status({ state: 'ok' }));
    log.note('k', {}, status({ state: 'ok' }));
    assert.deepEqual(
      lines.map((l) => l.msg),
      ['VPP command failed: took over 5000 ms', 'VPP command failed: garbage 1', 'VPP command works again'],
    );
  });
});
