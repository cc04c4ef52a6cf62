import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import cron from 'node-cron';
import pino from 'pino';
import { isCronInterval } from '../../../src/config/duration.ts';
import { CycleScheduler, cronExpression } from '../../../src/cycle/scheduler.ts';

describe('cron schedule', () => {
  it('lists the fire seconds of a 15 s interval, shifted by a phase taken from the node name', () => {
    const a = cronExpression(15, 'worker-a');
    const b = cronExpression(15, 'worker-b');
    for (const e of [a, b]) {
      assert.ok(cron.validate(e), e);
      const seconds = (e.split(' ')[0] as string).split(',').map(Number);
      assert.equal(seconds.length, 4);
      assert.ok(seconds.every((s, i) => i === 0 || s - (seconds[i - 1] as number) === 15));
    }
    assert.equal(cronExpression(15, 'worker-a'), a, 'the phase is stable for a node');
  });

  it('spreads the nodes of a cluster over the interval', () => {
    const phases = new Set(
      Array.from({ length: 50 }, (_, k) => cronExpression(15, `node-${k}`).split(',')[0]),
    );
    assert.ok(phases.size >= 10, `only ${phases.size} distinct phases`);
  });

  it('handles minute intervals', () => {
    const e = cronExpression(120, 'worker-a');
    assert.ok(cron.validate(e), e);
    assert.equal((e.split(' ')[1] as string).split(',').length, 30);
  });

  it('accepts only intervals cron can keep', () => {
    for (const ok of [1, 5, 10, 15, 30, 60, 120, 300, 900, 3600])
      assert.equal(isCronInterval(ok), true, String(ok));
    for (const bad of [0, 7, 45, 90, 0.5, 7200, -15]) assert.equal(isCronInterval(bad), false, String(bad));
  });

  it('never runs two cycles at once: a tick during a cycle joins it', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const scheduler = new CycleScheduler(
      '* * * * * *',
      async () => {
        runs++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 50));
        running--;
      },
      pino({ level: 'silent' }),
    );
    await Promise.all([scheduler.runNow(), scheduler.runNow(), scheduler.runNow()]);
    assert.equal(runs, 1);
    assert.equal(maxRunning, 1);
    await scheduler.stop();
  });

  it('logs a failing cycle instead of crashing', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, { write: (l: string) => lines.push(l) });
    const scheduler = new CycleScheduler(
      '* * * * * *',
      async () => Promise.reject(new Error('boom')),
      logger,
    );
    await scheduler.runNow();
    assert.match(lines.join(''), /collection cycle failed/);
  });
});
