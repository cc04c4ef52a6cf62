import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  bootTime,
  PROCESS_METRICS,
  ProcessMetrics,
  parseMaxFds,
  parseProcStat,
} from '../../../src/exposition/process-metrics.ts';

// Linux 6.1's /proc/<pid>/stat of a process whose name holds a space and parentheses.
const STAT =
  '3802 (node (x) y) S 3798 3798 28520 0 -1 4194304 99 0 0 0 250 75 0 0 20 0 11 0 3883005 3133440 357 18446744073709551615 94546279383040 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0';

describe('process metrics', () => {
  it('reads CPU, start, virtual and resident memory from /proc/<pid>/stat after the last parenthesis', () => {
    assert.deepEqual(parseProcStat(STAT), { cpuSeconds: 3.25, startTicks: 3883005, vsizeBytes: 3133440 });
  });

  it('says nothing of a stat line that is cut or garbled', () => {
    assert.equal(parseProcStat(STAT.slice(0, 60)), undefined);
    assert.equal(parseProcStat('garbage'), undefined);
    assert.equal(parseProcStat(STAT.replace(' 250 ', ' x ')), undefined);
  });

  it('reads the descriptor limit and the boot time, and leaves out what is not there', () => {
    assert.equal(
      parseMaxFds('Max open files            20000                20000                files     \n'),
      20000,
    );
    assert.equal(
      parseMaxFds('Max open files            unlimited            unlimited            files\n'),
      undefined,
    );
    assert.equal(bootTime('cpu  1 2 3\nbtime 1765000000\nprocesses 9\n'), 1765000000);
    assert.equal(bootTime('cpu  1 2 3\n'), undefined);
  });

  it('leaves the memory families out, and still renders, when Node cannot read the process memory', (t) => {
    t.mock.method(process, 'memoryUsage', () => {
      throw new Error('EMFILE: too many open files');
    });
    const metrics = new ProcessMetrics('worker-a');
    try {
      const text = Buffer.concat(metrics.render()).toString('utf8');
      assert.doesNotMatch(
        text,
        /nodejs_heap_size_used_bytes|nodejs_external_memory_bytes|process_resident_memory_bytes/,
      );
      assert.match(text, /^process_cpu_seconds_total\{node="worker-a"\} /m);
    } finally {
      metrics.stop();
    }
  });

  it("renders this process's families with the node label, each one declared", async () => {
    const metrics = new ProcessMetrics('worker-a');
    try {
      // The event-loop delay is sampled once a second, from the second run of its timer on.
      await new Promise((r) => setTimeout(r, 2100));
      // Read right before, with no I/O in between: the same descriptors but the listing's own.
      const listed = readdirSync('/proc/self/fd').length;
      const text = Buffer.concat(metrics.render()).toString('utf8');
      for (const def of PROCESS_METRICS) {
        assert.match(text, new RegExp(`^# TYPE ${def.name} ${def.type}$`, 'm'), def.name);
        assert.match(text, new RegExp(`^${def.name}\\{node="worker-a"\\} [0-9.e+-]+$`, 'm'), def.name);
      }
      const vmRssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
      const rss = Number(/^process_resident_memory_bytes\{[^}]*\} (\S+)$/m.exec(text)?.[1]);
      assert.ok(Math.abs(rss - vmRssKb * 1024) < 64 * 1024 * 1024, 'the resident memory of this process');
      const fds = Number(/^process_open_fds\{[^}]*\} (\S+)$/m.exec(text)?.[1]);
      assert.equal(fds, listed - 1, 'not counting the listing itself');
      // The interval between samples is not lateness: an idle loop is late by milliseconds, not a second.
      const lag = Number(/^nodejs_eventloop_lag_max_seconds\{[^}]*\} (\S+)$/m.exec(text)?.[1]);
      assert.ok(lag >= 0 && lag < 0.5, `lag ${lag}`);
    } finally {
      metrics.stop();
    }
  });

  it('leaves the event-loop families out until a sample was taken, and after each exposition until the next', () => {
    const metrics = new ProcessMetrics('worker-a');
    try {
      const text = Buffer.concat(metrics.render()).toString('utf8');
      assert.doesNotMatch(text, /nodejs_eventloop_lag/);
      assert.match(text, /^process_cpu_seconds_total\{node="worker-a"\} /m);
    } finally {
      metrics.stop();
    }
  });
});
