import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { VPP_COLLECTORS } from '../../src/collectors/vpp/index.ts';
import { VppCollection } from '../../src/cycle/vpp-collection.ts';
import type { RunningExporter } from '../../src/exporter.ts';
import { parseShowErrors } from '../../src/parsers/vpp/show-errors.ts';
import { parseShowInterface, type VppInterface } from '../../src/parsers/vpp/show-interface.ts';
import { parseShowInterfaceAddr } from '../../src/parsers/vpp/show-interface-addr.ts';
import { parseShowVxlanTunnel } from '../../src/parsers/vpp/show-vxlan-tunnel.ts';
import { detectVppError } from '../../src/parsers/vpp/vpp-error.ts';
import type { CommandStatus, VppSnapshot } from '../../src/snapshot/vpp-snapshot.ts';
import type { CommandOutput, VppSource } from '../../src/sources/command-source.ts';
import { cleanVppOutput } from '../../src/sources/vpp-cli/clean-output.ts';
import { VppCliSocketSource } from '../../src/sources/vpp-cli/vpp-cli-socket.ts';
import { VPP_COMMANDS, type VppCommand } from '../../src/sources/vpp-commands.ts';
import { runCycle, startTestExporter } from '../support/exporter.ts';
import { LiveVpp, liveVppOrSkip } from '../support/live-vpp.ts';

// Root only: a real VPP in its own network namespace, with pods as namespaces behind af_packet veths.
const logger = pino({ level: 'silent' });
const COLLECTOR = new Map(VPP_COLLECTORS.map((c) => [c.command, c]));
const PINGS = 5;

function collection(source: VppSource): VppCollection {
  return new VppCollection(source, {
    node: 'live-node',
    forwarder: 'live-fwd',
    commandTimeoutMs: 5000,
    stateIntervalMs: 60_000,
    logger,
  });
}

const cycle = (c: VppCollection): Promise<VppSnapshot> => c.collect(Date.now() + 30_000);

/** Every command of the cycle ran, succeeded and left no line unread. */
function assertCleanCycle(s: VppSnapshot): void {
  assert.deepEqual(
    s.commands.map((c) => c.command).sort(),
    [...VPP_COMMANDS].sort(),
    'one status per allowlisted command',
  );
  for (const c of s.commands) {
    assert.equal(c.state, 'ok', `${c.command}: ${c.failure} ${c.message}`);
    assert.equal(c.report?.unparsedLines, 0, `${c.command}: ${JSON.stringify(c.report?.firstUnparsed)}`);
  }
}

const byName = <T extends { name: string }>(items: readonly T[] | undefined) =>
  new Map((items ?? []).map((i) => [i.name, i]));

/** `show interface` rows read with a regex of this test, independent of the project's parser. */
function vppctlRows(text: string): { name: string; idx: number; state: string; mtu: string }[] {
  return text.split(/\r?\n/).flatMap((l) => {
    const m = /^(\S+)\s+(\d+)\s+(\S+)\s+(\d+\/\d+\/\d+\/\d+)/.exec(l);
    return m ? [{ name: m[1] as string, idx: Number(m[2]), state: m[3] as string, mtu: m[4] as string }] : [];
  });
}

const counter = (i: VppInterface | undefined, name: string) => i?.counters.get(name) ?? 0;

/** Kills VPP once, and waits for it to be gone, before one command of a cycle is sent. */
class KillBefore implements VppSource {
  readonly kind = 'vpp-cli-socket';
  readonly location: string;
  private armed = true;
  constructor(
    private readonly inner: VppSource,
    private readonly vpp: LiveVpp,
    private readonly command: VppCommand,
  ) {
    this.location = inner.location;
  }
  async run(command: VppCommand, timeoutMs: number): Promise<CommandOutput> {
    if (this.armed && command === this.command) {
      this.armed = false;
      this.vpp.kill();
      await this.vpp.exited();
    }
    return this.inner.run(command, timeoutMs);
  }
}

describe('a live VPP read through its CLI socket', { skip: liveVppOrSkip() }, () => {
  let vpp: LiveVpp;
  let source: VppCliSocketSource;
  let exporter: RunningExporter | undefined;
  const ns: Record<'a' | 'b' | 'c' | 'x', string> = { a: '', b: '', c: '', x: '' };
  /** What the test configured; VPP's answers are checked against it. */
  const want = {
    xconnect: new Map([
      ['host-va', 'host-vb'],
      ['host-vb', 'host-va'],
    ]),
    bridge: new Map([
      ['host-vc', { bdId: 10, bvi: false }],
      ['loop0', { bdId: 10, bvi: true }],
      ['vxlan_tunnel0', { bdId: 20, bvi: false }],
      ['loop1', { bdId: 20, bvi: true }],
    ]),
    addresses: new Map([
      ['host-vx', ['10.20.3.1/24', 'fd20:3::1/64']],
      ['loop0', ['10.20.2.1/24', 'fd20:2::1/64']],
      ['loop1', ['10.20.4.1/24']],
    ]),
  };

  before(async () => {
    vpp = await LiveVpp.start({ name: 'cli' });
    source = new VppCliSocketSource({ socketPath: vpp.cliSocket });
    for (const k of ['a', 'b', 'c', 'x'] as const) ns[k] = vpp.addPodNamespace(k);
    // Two pods cross-connected through VPP.
    const va = vpp.afPacketTo(ns.a, {
      vppIfName: 'va',
      podIfName: 'pa',
      podAddr4: '10.20.1.1/24',
      podAddr6: 'fd20:1::1/64',
    });
    const vb = vpp.afPacketTo(ns.b, {
      vppIfName: 'vb',
      podIfName: 'pb',
      podAddr4: '10.20.1.2/24',
      podAddr6: 'fd20:1::2/64',
    });
    vpp.xconnect(va, vb);
    // A pod in a bridge domain whose BVI loopback holds the gateway addresses.
    const vc = vpp.afPacketTo(ns.c, {
      vppIfName: 'vc',
      podIfName: 'pc',
      podAddr4: '10.20.2.2/24',
      podAddr6: 'fd20:2::2/64',
    });
    const [loop0] = vpp.loopbacks(1, { up: true });
    vpp.bridge(10, [vc], loop0);
    vpp.address(loop0 as string, '10.20.2.1/24', 'fd20:2::1/64');
    // A VxLAN tunnel to a Linux vxlan device, bridged with a second BVI loopback.
    vpp.afPacketTo(ns.x, {
      vppIfName: 'vx',
      podIfName: 'px',
      podAddr4: '10.20.3.2/24',
      podAddr6: 'fd20:3::2/64',
      vppAddr4: '10.20.3.1/24',
      vppAddr6: 'fd20:3::1/64',
    });
    const tunnel = vpp.vxlanTo(ns.x, {
      src: '10.20.3.1',
      dst: '10.20.3.2',
      vni: 42,
      linuxIfName: 'vxlan42',
      linuxAddr4: '10.20.4.2/24',
    });
    const [loop1] = vpp.loopbacks(1, { up: true });
    vpp.bridge(20, [tunnel], loop1);
    vpp.address(loop1 as string, '10.20.4.1/24');
    for (const [from, to] of [
      [ns.a, '10.20.1.2'],
      [ns.a, 'fd20:1::2'],
      [ns.c, '10.20.2.1'],
      [ns.c, 'fd20:2::1'],
      [ns.x, '10.20.3.1'],
      [ns.x, '10.20.4.1'],
    ] as const) {
      assert.ok(vpp.ping(from, to, 2), `ping ${to} from ${from}`);
    }
  });

  after(async () => {
    await exporter?.stop();
    await vpp?.stop();
  });

  it('runs every allowlisted command and parses all of its output', async () => {
    assert.deepEqual([...COLLECTOR.keys()].sort(), [...VPP_COMMANDS].sort());
    for (const command of VPP_COMMANDS) {
      const out = await source.run(command, 5000);
      assert.equal(out.kind, 'text');
      const text = out.kind === 'text' ? out.text : '';
      assert.equal(detectVppError(text), undefined, `${command} was refused: ${text}`);
      const parsed = (COLLECTOR.get(command) as (typeof VPP_COLLECTORS)[number]).parse(text);
      assert.equal(
        parsed.report.unparsedLines,
        0,
        `${command}: ${JSON.stringify(parsed.report.firstUnparsed)}`,
      );
      // Every output line ends in CRLF, the last one included.
      if (text !== '') assert.match(text, /\r\n$/, command);
    }
    // No /dev/vhost-net here, so no taps: VPP answers with nothing at all, not even a newline.
    assert.deepEqual(await source.run('show tap', 5000), { kind: 'text', text: '' });
    const errors = await source.run('show errors', 5000);
    const errorsText = errors.kind === 'text' ? errors.text : '';
    assert.match(errorsText, /^ {3}Count {18}Node {30}Reason {15}Severity \r\n/);
    const counters = parseShowErrors(errorsText).value;
    const find = (node: string, reason: string) =>
      counters.find((e) => e.node === node && e.reason === reason);
    // The VxLAN pings went through the tunnel both ways.
    assert.ok((find('vxlan4-input', 'good packets decapsulated')?.count ?? 0) >= 2);
    assert.ok((find('vxlan4-encap', 'good packets encapsulated')?.count ?? 0) >= 2);
    assert.equal(find('vxlan4-input', 'good packets decapsulated')?.severity, 'error');
    // The same through a whole collection cycle.
    assertCleanCycle(await cycle(collection(source)));
  });

  it('reads the same interfaces, L2 wiring, addresses and tunnels as vppctl at the same moment', async () => {
    const snapshot = await cycle(collection(source));
    assertCleanCycle(snapshot);
    const ctl = (c: VppCommand) => cleanVppOutput(vpp.vppctl(c), c);

    // Outputs without counters are byte for byte what VPP's own client receives.
    for (const c of ['show version', 'show interface addr', 'show vxlan tunnel raw', 'show tap'] as const) {
      const ours = await source.run(c, 5000);
      assert.deepEqual(ours, { kind: 'text', text: ctl(c) }, c);
    }
    // show interface: counters may move between the two reads (the first one shares the row's line);
    // name, index, state and MTU columns may not.
    const rows = (t: string) => t.split('\r\n').flatMap((l) => (/^\S/.test(l) ? [l.slice(0, 68)] : []));
    const ours = await source.run('show interface', 5000);
    const theirsText = ctl('show interface');
    assert.deepEqual(rows(ours.kind === 'text' ? ours.text : ''), rows(theirsText));

    // Interfaces: the parsed snapshot against vppctl read by this test's own regex.
    const theirs = vppctlRows(theirsText);
    assert.deepEqual(theirs.map((r) => r.name).sort(), [
      'host-va',
      'host-vb',
      'host-vc',
      'host-vx',
      'local0',
      'loop0',
      'loop1',
      'vxlan_tunnel0',
    ]);
    assert.deepEqual(
      (snapshot.interfaces ?? []).map((i) => ({
        name: i.name,
        idx: i.swIfIndex,
        state: i.state,
        mtu: `${i.mtu?.l3}/${i.mtu?.ip4}/${i.mtu?.ip6}/${i.mtu?.mpls}`,
      })),
      theirs,
    );
    for (const i of snapshot.interfaces ?? []) assert.equal(i.adminUp, i.name !== 'local0', i.name);

    // L2 wiring: against what the test configured and against `show mode`, a different VPP command.
    const addrs = byName(snapshot.addrs);
    assert.deepEqual(
      new Map([...addrs].flatMap(([n, a]) => (a.xconnectPeer ? [[n, a.xconnectPeer]] : []))),
      want.xconnect,
    );
    assert.deepEqual(
      new Map(
        [...addrs].flatMap(([n, a]) => (a.bridge ? [[n, { bdId: a.bridge.bdId, bvi: a.bridge.bvi }]] : [])),
      ),
      want.bridge,
    );
    const mode = vpp.vppctl('show mode');
    for (const [a, b] of want.xconnect) assert.match(mode, new RegExp(`^l2 xconnect ${a} ${b}\\s*$`, 'm'));
    for (const [name, { bdId, bvi }] of want.bridge) {
      assert.match(mode, new RegExp(`^l2 bridge ${name} bd_id ${bdId}${bvi ? ' bvi' : ''}\\b`, 'm'));
    }
    // Addresses (the donor-free, own ones).
    assert.deepEqual(
      new Map(
        [...addrs].flatMap(([n, a]) =>
          a.addresses.length > 0 ? [[n, a.addresses.map((x) => `${x.address}/${x.prefixLen}`)]] : [],
        ),
      ),
      want.addresses,
    );
    assert.deepEqual(snapshot.addrs, parseShowInterfaceAddr(ctl('show interface addr')).value);

    // The tunnel, named by its sw_if_index, against `show vxlan tunnel` (no raw tables).
    const tunnelIdx = theirs.find((r) => r.name === 'vxlan_tunnel0')?.idx;
    assert.deepEqual(
      (snapshot.tunnels ?? []).map((t) => [
        t.interfaceName,
        t.src,
        t.dst,
        t.srcPort,
        t.dstPort,
        t.vni,
        t.swIfIndex,
      ]),
      [['vxlan_tunnel0', '10.20.3.1', '10.20.3.2', 4789, 4789, 42, tunnelIdx]],
    );
    assert.match(
      vpp.vppctl('show vxlan tunnel'),
      new RegExp(
        `^\\[0\\] instance 0 src 10\\.20\\.3\\.1 dst 10\\.20\\.3\\.2 src_port 4789 dst_port 4789 vni 42 fib-idx 0 sw-if-idx ${tunnelIdx} `,
      ),
    );
    assert.deepEqual(snapshot.rawTunnels, parseShowVxlanTunnel(ctl('show vxlan tunnel raw')).value);

    // show errors only grows: what we read first is at most what vppctl reads after.
    const later = new Map(
      parseShowErrors(ctl('show errors')).value.map((e) => [`${e.node}/${e.reason}/${e.severity}`, e.count]),
    );
    for (const e of snapshot.errors ?? []) {
      const key = `${e.node}/${e.reason}/${e.severity}`;
      assert.ok(later.has(key), key);
      assert.ok(e.count <= (later.get(key) as number), key);
    }
  });

  it('sees the counters of both cross-connected interfaces grow with the pings between cycles', async (t) => {
    const c = collection(source);
    const first = byName((await cycle(c)).interfaces);
    assert.ok(vpp.ping(ns.a, '10.20.1.2', PINGS), 'IPv4 ping across the xconnect');
    assert.ok(vpp.ping(ns.a, 'fd20:1::2', PINGS), 'IPv6 ping across the xconnect');
    const next = await cycle(c);
    assertCleanCycle(next);
    const second = byName(next.interfaces);
    for (const name of ['host-va', 'host-vb']) {
      for (const k of ['rx packets', 'tx packets']) {
        const grew = counter(second.get(name), k) - counter(first.get(name), k);
        // Requests one way, replies the other, IPv4 and IPv6 (plus ARP/ND).
        assert.ok(grew >= 2 * PINGS, `${name} ${k} grew by ${grew}`);
      }
      // An echo frame is at least 98 bytes (IPv4: 14 + 20 + 8 + 56).
      const bytes = counter(second.get(name), 'rx bytes') - counter(first.get(name), 'rx bytes');
      assert.ok(bytes >= 2 * PINGS * 98, `${name} rx bytes grew by ${bytes}`);
    }
    // The pod that was not pinged sent none of the pings. It may still send what its link sends in its
    // first seconds (a few listener reports and the check of its link-local address); it solicits no
    // routers and autoconfigures nothing (see afPacketTo), so nothing else.
    const quiet = counter(second.get('host-vc'), 'rx packets') - counter(first.get('host-vc'), 'rx packets');
    t.diagnostic(`host-vc rx packets grew by ${quiet}`);
    assert.ok(quiet < PINGS, `host-vc rx packets grew by ${quiet}`);
  });

  it('lists 200 more loopbacks and still parses every line', async (t) => {
    const c = collection(source);
    const base = await cycle(c);
    const created = vpp.loopbacks(200);
    assert.equal(created.length, 200);
    const t0 = performance.now();
    const grown = await cycle(c);
    t.diagnostic(
      `cycle with ${grown.interfaces?.length} interfaces: ${(performance.now() - t0).toFixed(0)} ms`,
    );
    assertCleanCycle(grown);
    assert.equal(grown.interfaces?.length, (base.interfaces?.length ?? 0) + 200);
    assert.equal(grown.addrs?.length, (base.addrs?.length ?? 0) + 200);
    const names = byName(grown.interfaces);
    for (const l of created) assert.equal(names.get(l)?.state, 'down', l);
    assert.equal(new Set(grown.interfaces?.map((i) => i.swIfIndex)).size, grown.interfaces?.length);
    // The project's parser and this test's regex agree on the whole long listing.
    const text = vpp.vppctl('show interface');
    assert.deepEqual(
      parseShowInterface(text).value.map((i) => i.name),
      vppctlRows(text).map((r) => r.name),
    );
  });

  it('fails every command while VPP is down, then drops the old interface set when VPP returns', async (t) => {
    exporter = await startTestExporter([
      `--vpp-cli-socket=${vpp.cliSocket}`,
      '--node=live-node',
      '--forwarder=live-fwd',
      // Every manual cycle runs every command: the state interval is up after one second.
      '--collect.interval=1s',
      '--collect.state-interval=1s',
      '--collect.command-timeout=500ms',
    ]);
    const running = exporter;
    const metrics = async () => (await fetch(`${running.url}/metrics`)).text();
    const success = (text: string, command: string) =>
      new RegExp(
        `^meridio_path_exporter_collect_success\\{[^}]*command="${command}"[^}]*\\} (\\d)$`,
        'm',
      ).exec(text)?.[1];
    const vppInterfaces = (text: string) =>
      new Set([...text.matchAll(/^vpp_[a-z0-9_]+\{[^}]*interface="([^"]+)"/gm)].map((m) => m[1]));
    // The exporter may also read VPP's stats segment, and then not send `show errors`: check the
    // commands each cycle reports, `show interface` always among them.
    const cliCommands = (list: readonly CommandStatus[] | undefined) => {
      const cli = (list ?? []).filter((s) => (VPP_COMMANDS as readonly string[]).includes(s.command));
      assert.ok(cli.some((s) => s.command === 'show interface' && s.ranThisCycle));
      return cli;
    };

    let text = await metrics();
    for (const s of cliCommands(running.cycles.last?.vppCommands)) {
      assert.equal(success(text, s.command), '1', s.command);
    }
    assert.equal(vppInterfaces(text).size, 8 + 200);
    assert.match(text, /^vpp_vxlan_tunnel_info\{/m);

    // Crashed before the cycle (a crash in the middle of one is the next test's).
    const oldPid = vpp.pid;
    vpp.kill();
    await vpp.exited();
    const down = cliCommands((await runCycle(running)).vppCommands);
    for (const s of down) {
      assert.equal(s.state, 'failed', s.command);
      assert.equal(s.failure, 'connect', s.command);
    }
    text = await metrics();
    for (const s of down) assert.equal(success(text, s.command), '0', s.command);
    assert.doesNotMatch(text, /^vpp_[a-z0-9_]+\{/m, 'no VPP series while VPP is down');

    // Back with another interface set: one of the pods again (now sw_if_index 1) and three loopbacks.
    await vpp.restart();
    assert.notEqual(vpp.pid, oldPid);
    vpp.vppctlScript(['create host-interface name vb', 'set interface state host-vb up']);
    vpp.loopbacks(3, { up: true });
    const up = cliCommands((await runCycle(running)).vppCommands);
    t.diagnostic(`commands after the restart: ${up.map((s) => s.command).join(', ')}`);
    for (const s of up) {
      assert.equal(s.state, 'ok', `${s.command}: ${s.message}`);
      assert.equal(s.report?.unparsedLines, 0, s.command);
    }
    text = await metrics();
    for (const s of up) assert.equal(success(text, s.command), '1', s.command);
    assert.deepEqual([...vppInterfaces(text)].sort(), ['host-vb', 'local0', 'loop0', 'loop1', 'loop2']);
    assert.match(text, /^vpp_interface_info\{[^}]*interface="host-vb",sw_if_index="1",state="up"/m);
    for (const family of ['vpp_l2_xconnect_info', 'vpp_l2_bridge_member_info', 'vpp_vxlan_tunnel_info']) {
      assert.doesNotMatch(text, new RegExp(`^${family}\\{`, 'm'), family);
    }
    assert.doesNotMatch(text, /^vpp_interface_address_info\{/m);
    assert.doesNotMatch(
      text,
      /^meridio_path_exporter_parse_errors_total\{[^}]*source="vpp"[^}]*\} [1-9]/m,
      'no parse errors',
    );
  });

  it('fails a cycle whose first command is on the socket when VPP dies, and recovers after a restart', async (t) => {
    const c = collection(source);
    // collect() has connected for `show interface` before it yields: the kill lands mid-command.
    const pending = cycle(c);
    vpp.kill();
    const broken = await pending;
    t.diagnostic(`failures: ${broken.commands.map((s) => `${s.command}=${s.failure}`).join(', ')}`);
    assert.deepEqual(broken.commands.map((s) => s.command).sort(), [...VPP_COMMANDS].sort());
    for (const s of broken.commands) {
      assert.equal(s.state, 'failed', s.command);
      assert.ok(['connect', 'closed-early', 'io'].includes(s.failure ?? ''), `${s.command}: ${s.failure}`);
    }
    assert.equal(broken.interfaces, undefined);

    await vpp.restart();
    const loops = vpp.loopbacks(2);
    const recovered = await cycle(c);
    assertCleanCycle(recovered);
    assert.deepEqual(
      recovered.interfaces?.map((i) => i.name),
      ['local0', ...loops],
    );
  });

  it('fails the rest of a cycle when VPP dies between two commands, and recovers after a restart', async () => {
    const c = collection(new KillBefore(source, vpp, 'show interface addr'));
    const broken = await cycle(c);
    const state = new Map(broken.commands.map((s) => [s.command, s]));
    assert.equal(state.get('show interface')?.state, 'ok');
    for (const command of VPP_COMMANDS.filter((x) => x !== 'show interface')) {
      assert.equal(state.get(command)?.state, 'failed', command);
      assert.equal(state.get(command)?.failure, 'connect', command);
    }
    assert.equal(broken.addrs, undefined);
    assert.equal(broken.tunnels, undefined);

    await vpp.restart();
    const [loop] = vpp.loopbacks(1);
    // A fresh collection, and the one whose state cache holds the failures.
    for (const s of [await cycle(collection(source)), await cycle(c)]) {
      assertCleanCycle(s);
      assert.deepEqual(
        s.interfaces?.map((i) => i.name),
        ['local0', loop],
      );
      assert.deepEqual(
        s.addrs?.map((a) => a.name),
        ['local0', loop],
      );
      assert.deepEqual(s.tunnels, []);
    }
  });
});
