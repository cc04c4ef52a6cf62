import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SelfMetrics } from '../../../src/exposition/self-metrics.ts';
import type { CommandStatus } from '../../../src/snapshot/vpp-snapshot.ts';

const owner = { source: 'vpp', forwarder: 'fwd' } as const;
const status = (command: string, over: Partial<CommandStatus> = {}): CommandStatus => ({
  command,
  state: 'ok',
  durationSeconds: 0.01,
  readAt: 1_000_000,
  ranThisCycle: true,
  ...over,
});

async function cycle(self: SelfMetrics, statuses: CommandStatus[]): Promise<string> {
  for (const s of statuses) self.observeCommand(owner, s);
  self.sweepCommandSeries();
  return self.render();
}

describe('command series of the exporter’s own metrics', () => {
  it('a VPP command that is no longer sent loses its series (no failure stays for good)', async () => {
    const self = new SelfMetrics('worker-a');
    // VPP away: the segment is lost and the CLI fallback's `show errors` fails.
    const away = await cycle(self, [
      status('stats segment', { state: 'failed', failure: 'connect' }),
      status('show errors', { state: 'failed', failure: 'connect' }),
    ]);
    assert.match(away, /collect_success\{[^}]*command="show errors"[^}]*\} 0/);
    // VPP back: the segment has the errors, so `show errors` is not sent any more.
    const back = await cycle(self, [status('stats segment')]);
    assert.doesNotMatch(back, /command="show errors"/);
    assert.match(back, /collect_success\{[^}]*command="stats segment"[^}]*\} 1/);
  });

  it('a state command carried over between its runs keeps its series', async () => {
    const self = new SelfMetrics('worker-a');
    await cycle(self, [status('show tap')]);
    const carried = await cycle(self, [status('show tap', { ranThisCycle: false })]);
    assert.match(carried, /collect_success\{[^}]*command="show tap"[^}]*\} 1/);
  });
});
