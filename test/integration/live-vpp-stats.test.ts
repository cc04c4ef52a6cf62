import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { segmentErrors, withSegmentCounters } from '../../src/collectors/vpp/vpp-stats-segment.ts';
import { VppCollection } from '../../src/cycle/vpp-collection.ts';
import { parseShowErrors } from '../../src/parsers/vpp/show-errors.ts';
import { parseShowInterface } from '../../src/parsers/vpp/show-interface.ts';
import type { CommandOutput, VppSource } from '../../src/sources/command-source.ts';
import { VppCliSocketSource } from '../../src/sources/vpp-cli/vpp-cli-socket.ts';
import type { VppCommand } from '../../src/sources/vpp-commands.ts';
import type { StatsSegmentData } from '../../src/sources/vpp-stats/segment-reader.ts';
import { StatsSegmentSource } from '../../src/sources/vpp-stats/stats-segment-source.ts';
import { LiveVpp, liveVppOrSkip } from '../support/live-vpp.ts';

// Root only: a real VPP v26.06 whose stats segment is read from its memfd, compared with what VPP's
// own CLI and its own stats client (vpp_get_stats) say at the same moment.
const logger = pino({ level: 'silent' });
const PINGS = 5;

/** The CLI-socket source, counting what is sent to VPP. */
class CountingSource implements VppSource {
  readonly kind = 'vpp-cli-socket';
  readonly sent: VppCommand[] = [];
  constructor(private readonly inner: VppCliSocketSource) {}
  get location() {
    return this.inner.location;
  }
  vppPid() {
    return this.inner.vppPid();
  }
  run(command: VppCommand, timeoutMs: number): Promise<CommandOutput> {
    this.sent.push(command);
    return this.inner.run(command, timeoutMs);
  }
}

async function readOk(source: StatsSegmentSource): Promise<StatsSegmentData> {
  const r = await source.read();
  assert.equal(r.kind, 'ok', JSON.stringify(r));
  return (r as { data: StatsSegmentData }).data;
}

/** `vpp_get_stats dump` lines `[idx @ thread]: N packets[, M bytes] NAME`, summed over threads. */
function getStats(vpp: LiveVpp, pattern: string): Map<string, { packets: number; bytes?: number }[]> {
  const out = execFileSync(
    join(vpp.bundleDir, 'bin', 'vpp_get_stats'),
    ['socket-name', vpp.statsSocket, 'dump', pattern],
    { encoding: 'utf8', timeout: 10_000 },
  );
  const sums = new Map<string, { packets: number; bytes?: number }[]>();
  for (const line of out.split('\n')) {
    const m = /^\[(\d+) @ \d+\]: (\d+) packets(?:, (\d+) bytes)? (.+)$/.exec(line);
    if (!m) continue;
    const [, idx, packets, bytes, name] = m as unknown as [
      string,
      string,
      string,
      string | undefined,
      string,
    ];
    const rows = sums.get(name) ?? [];
    const row = rows[Number(idx)] ?? { packets: 0, ...(bytes !== undefined && { bytes: 0 }) };
    row.packets += Number(packets);
    if (bytes !== undefined) row.bytes = (row.bytes ?? 0) + Number(bytes);
    rows[Number(idx)] = row;
    sums.set(name, rows);
  }
  return sums;
}

describe('the stats segment of a live VPP', { skip: liveVppOrSkip() }, () => {
  let vpp: LiveVpp;
  let cli: VppCliSocketSource;
  let segment: StatsSegmentSource;
  let xA = '';
  let xB = '';

  before(async () => {
    vpp = await LiveVpp.start({ name: 'stats' });
    const a = vpp.addPodNamespace('a');
    const b = vpp.addPodNamespace('b');
    const c = vpp.addPodNamespace('c');
    xA = vpp.afPacketTo(a, { vppIfName: 'vxa', podIfName: 'eth0', podAddr4: '10.61.0.1/24' });
    xB = vpp.afPacketTo(b, { vppIfName: 'vxb', podIfName: 'eth0', podAddr4: '10.61.0.2/24' });
    vpp.xconnect(xA, xB);
    // A routed pod whose traffic to an address VPP has no route for is dropped: error counters move.
    vpp.afPacketTo(c, {
      vppIfName: 'vrc',
      podIfName: 'eth0',
      podAddr4: '10.62.0.2/24',
      vppAddr4: '10.62.0.1/24',
    });
    execFileSync('ip', ['-n', c, 'route', 'add', 'default', 'via', '10.62.0.1']);
    vpp.loopbacks(20, { up: true });
    assert.ok(vpp.ping(a, '10.61.0.2', PINGS), 'pods a and b reach each other through the xconnect');
    vpp.ping(c, '10.63.0.9', 2); // no route in VPP: dropped
    cli = new VppCliSocketSource({ socketPath: vpp.cliSocket });
    segment = new StatsSegmentSource({ kind: 'auto' }, () => cli.vppPid());
  });
  after(async () => {
    await vpp?.stop();
  });

  it('is found from the CLI socket alone: the memfd of the vpp_main process serving it', async () => {
    assert.equal(cli.vppPid(), vpp.pid);
    await readOk(segment);
    assert.match(segment.location, new RegExp(`^/proc/${vpp.pid}/fd/\\d+$`));
  });

  it('gives the interfaces and counters `show interface` prints, once traffic has stopped', async () => {
    // Counters may move between two reads (a pod's listener reports in its link's first seconds), so the CLI's
    // value must lie between the segment's just before and just after; at rest they are equal.
    const early = await readOk(segment);
    const shown = await cli.run('show interface', 5000);
    const data = await readOk(segment);
    const parsed = parseShowInterface(shown.kind === 'text' ? shown.text : '').value;
    assert.equal(parsed.length, data.interfaceNames.filter((n) => n !== undefined).length);
    const merged = withSegmentCounters(parsed, data);
    const before = withSegmentCounters(parsed, early);
    let equal = 0;
    for (const [i, iface] of parsed.entries()) {
      const names = new Set([...iface.counters.keys(), ...(merged[i]?.counters.keys() ?? [])]);
      for (const name of names) {
        const lo = before[i]?.counters.get(name) ?? 0;
        const hi = merged[i]?.counters.get(name) ?? 0;
        const v = iface.counters.get(name) ?? 0;
        assert.ok(lo <= v && v <= hi, `${iface.name} ${name}: ${lo} <= ${v} <= ${hi}`);
        if (lo === hi) equal++;
      }
    }
    assert.ok(equal > 0);
    const rx = merged.find((i) => i.name === xB)?.counters.get('rx packets') ?? 0;
    assert.ok(rx >= PINGS, `${xB} received the pings (${rx})`);
  });

  it("equals VPP's own stats client (vpp_get_stats) for every /if/ counter", async () => {
    const data = await readOk(segment);
    const theirs = getStats(vpp, '/if/');
    let compared = 0;
    for (const [counter, sums] of data.interfaceCombined) {
      const rows = theirs.get(`/if/${counter}`);
      assert.ok(rows, `/if/${counter} listed by vpp_get_stats`);
      sums.packets.forEach((p, i) => {
        assert.equal(p, rows[i]?.packets, `/if/${counter}[${i}] packets`);
        assert.equal(sums.bytes[i], rows[i]?.bytes, `/if/${counter}[${i}] bytes`);
        compared++;
      });
    }
    for (const [counter, sums] of data.interfaceSimple) {
      const rows = theirs.get(`/if/${counter}`);
      sums.forEach((v, i) => {
        assert.equal(v, rows?.[i]?.packets, `/if/${counter}[${i}]`);
        compared++;
      });
    }
    assert.ok(compared > 17 * 20, `${compared} counters compared`);
  });

  it('gives the error counts `show errors` prints, per node', async () => {
    const shown = await cli.run('show errors', 5000);
    const data = await readOk(segment);
    const perNode = (errors: { node: string; count: number }[]) => {
      const m: Record<string, number> = {};
      for (const e of errors) m[e.node] = (m[e.node] ?? 0) + e.count;
      return m;
    };
    const cliErrors = perNode(parseShowErrors(shown.kind === 'text' ? shown.text : '').value);
    const segErrors = perNode(segmentErrors(data));
    // af_packet-input counts blocks on every poll: it moves between the two reads.
    delete cliErrors['af-packet-input'];
    delete segErrors['af-packet-input'];
    assert.deepEqual(segErrors, cliErrors);
    assert.ok(Object.keys(segErrors).length > 0);
  });

  it('sends no CLI command in a counter cycle: the segment has every counter', async () => {
    const counting = new CountingSource(cli);
    const collection = new VppCollection(counting, {
      node: 'n',
      forwarder: 'f',
      commandTimeoutMs: 5000,
      stateIntervalMs: 60_000,
      logger,
      statsSegment: new StatsSegmentSource({ kind: 'auto' }, () => counting.vppPid()),
    });
    const first = await collection.collect(Date.now() + 30_000);
    assert.equal(first.commands.find((c) => c.command === 'stats segment')?.state, 'ok');
    assert.ok(!counting.sent.includes('show errors'));
    counting.sent.length = 0;
    const second = await collection.collect(Date.now() + 30_000);
    assert.deepEqual(counting.sent, []);
    assert.ok((second.interfaces?.find((i) => i.name === xA)?.counters.get('tx packets') ?? 0) >= PINGS);
    assert.ok((second.stats?.values.get('/buffer-pools/default-numa-0/available') ?? 0) > 0);
  });

  it('follows VPP through a restart: no data while it is gone, then the new segment', async () => {
    const before = await readOk(segment);
    assert.ok(before.interfaceNames.includes(xA));
    const collection = new VppCollection(cli, {
      node: 'n',
      forwarder: 'f',
      commandTimeoutMs: 5000,
      stateIntervalMs: 60_000,
      logger,
      statsSegment: new StatsSegmentSource({ kind: 'auto' }, () => cli.vppPid()),
    });
    assert.equal((await collection.collect(Date.now() + 30_000)).commands[0]?.state, 'ok');
    vpp.kill();
    await vpp.exited();
    const gone = await segment.read();
    assert.equal(gone.kind, 'unavailable', 'no VPP process to find');
    // A collection that had read the segment reports its loss: its last success must not stand.
    const lost = (await collection.collect(Date.now() + 30_000)).commands.find(
      (c) => c.command === 'stats segment',
    );
    assert.equal(lost?.state, 'failed');
    assert.equal(lost?.failure, 'connect');
    await vpp.restart();
    const after = await readOk(segment);
    assert.match(segment.location, new RegExp(`^/proc/${vpp.pid}/fd/\\d+$`));
    assert.ok(!after.interfaceNames.includes(xA), 'the new VPP has none of the old interfaces');
    assert.equal(after.interfaceNames[0], 'local0');
  });
});
