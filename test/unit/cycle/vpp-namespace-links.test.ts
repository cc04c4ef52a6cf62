import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VppNamespaceLinks } from '../../../src/cycle/vpp-namespace-links.ts';
import { namespaceOfPid } from '../../../src/sources/command-source.ts';
import type { PodCommand } from '../../../src/sources/pod-commands.ts';
import type { CommandResult, PodSource, PodTarget } from '../../../src/sources/pod-source.ts';
import { SourceError } from '../../../src/sources/source-error.ts';

const LINKS = JSON.stringify([
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP'], operstate: 'UNKNOWN' },
  {
    ifindex: 7,
    link_index: 2,
    link_netnsid: 0,
    ifname: 'vfe',
    operstate: 'UP',
    linkinfo: { info_kind: 'veth' },
  },
]);

class FakeRunner implements PodSource {
  readonly kind = 'netns';
  calls: { target: PodTarget; commands: string[] }[] = [];
  answer: CommandResult = { kind: 'text', text: `${LINKS}\n`, durationSeconds: 0.01 };
  async listPods(): Promise<PodTarget[]> {
    return [];
  }
  async run(target: PodTarget, commands: readonly PodCommand[]): Promise<CommandResult[]> {
    this.calls.push({ target, commands: commands.map((c) => c.id) });
    return [this.answer];
  }
}

function setup() {
  let now = 1_000_000;
  const runner = new FakeRunner();
  const links = new VppNamespaceLinks({
    runner,
    commandTimeoutMs: 1000,
    stateIntervalMs: 60_000,
    now: () => now,
  });
  return { runner, links, advance: (ms: number) => (now += ms) };
}

const DEADLINE = Number.MAX_SAFE_INTEGER;

describe("VPP's namespace links", () => {
  it('are read in /proc/<vpp pid>/ns/net with the allowlisted link command, then on the state interval', async () => {
    const { runner, links, advance } = setup();
    const first = await links.read(['local0', 'host-vfe'], () => namespaceOfPid(4242), false, DEADLINE);
    assert.equal(first?.status.state, 'ok');
    assert.equal(first?.status.command, 'ip -json -stats -details link show');
    assert.deepEqual(
      first?.links?.map((l) => [l.name, l.ifindex, l.peerIfindex, l.kind]),
      [
        ['lo', 1, undefined, undefined],
        ['vfe', 7, 2, 'veth'],
      ],
    );
    assert.deepEqual(runner.calls[0], {
      target: { namespace: '', pod: 'vpp_main 4242', netns: '/proc/4242/ns/net' },
      commands: ['ip -json -stats -details link show'],
    });
    advance(15_000);
    const carried = await links.read(['local0', 'host-vfe'], () => namespaceOfPid(4242), false, DEADLINE);
    assert.equal(carried?.status.ranThisCycle, false);
    assert.equal(carried?.links?.length, 2);
    assert.equal(runner.calls.length, 1);
    await links.read(['local0', 'host-vfe'], () => namespaceOfPid(4242), true, DEADLINE);
    assert.equal(runner.calls.length, 2, 'read again when the interface set changed');
    advance(60_000);
    await links.read(['local0', 'host-vfe'], () => namespaceOfPid(4242), false, DEADLINE);
    assert.equal(runner.calls.length, 3, 'read again on the state interval');
  });

  it('are not read without an af_packet interface, nor when VPP’s process is not visible', async () => {
    const { runner, links } = setup();
    let asked = 0;
    const pid = () => {
      asked++;
      return namespaceOfPid(1);
    };
    assert.equal(await links.read(['local0', 'tap0'], pid, false, DEADLINE), undefined);
    assert.equal(asked, 0, 'no /proc scan for a VPP without af_packet');
    assert.equal(await links.read(['host-vfe'], () => undefined, false, DEADLINE), undefined);
    assert.equal(runner.calls.length, 0);
  });

  it('report a failure with its reason, and retry on the next cycle', async () => {
    const { runner, links } = setup();
    runner.answer = {
      kind: 'failed',
      error: new SourceError('timeout', 'nsenter did not finish'),
      durationSeconds: 1,
    };
    const failed = await links.read(['host-vfe'], () => namespaceOfPid(1), false, DEADLINE);
    assert.equal(failed?.status.state, 'failed');
    assert.equal(failed?.status.failure, 'timeout');
    assert.match(failed?.status.message ?? '', /^nsenter did not finish/);
    assert.equal(failed?.links, undefined);
    runner.answer = { kind: 'text', text: 'garbage\n', durationSeconds: 0 };
    const garbled = await links.read(['host-vfe'], () => namespaceOfPid(1), false, DEADLINE);
    assert.equal(garbled?.status.failure, 'parse');
    assert.equal(runner.calls.length, 2);
  });

  it('are read in the forwarder container by exec, and an image without ip leaves them out without a failure', async () => {
    const { runner, links, advance } = setup();
    const forwarder: PodTarget = {
      namespace: 'nsm',
      pod: 'forwarder-vpp-x',
      container: 'forwarder-vpp',
      role: 'forwarder',
    };
    const ok = await links.read(['host-vfe'], () => forwarder, false, DEADLINE);
    assert.equal(ok?.links?.length, 2);
    assert.deepEqual(runner.calls[0]?.target, forwarder);
    runner.answer = {
      kind: 'failed',
      error: new SourceError('unsupported', 'ip: not found'),
      durationSeconds: 0,
    };
    assert.equal(await links.read(['host-vfe'], () => forwarder, true, DEADLINE), undefined);
    const asked = runner.calls.length;
    advance(15_000);
    assert.equal(await links.read(['host-vfe'], () => forwarder, true, DEADLINE), undefined);
    assert.equal(runner.calls.length, asked, 'not asked again every cycle');
    advance(60_000);
    await links.read(['host-vfe'], () => forwarder, false, DEADLINE);
    assert.equal(runner.calls.length, asked + 1, 'asked again on the state interval');
  });
});
