import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BatchReader } from '../../src/sources/batch-reader.ts';
import { NetnsPodSource } from '../../src/sources/netns.ts';
import { commandsOfForm, POD_COMMANDS } from '../../src/sources/pod-commands.ts';
import type { CommandResult, PodTarget } from '../../src/sources/pod-source.ts';
import { isAlive, removeStaleNamespaces } from '../support/netns-topology.ts';
import { requireTool } from '../support/tools.ts';

// Root only (CI runs as root): one namespace of the test's own, removed afterwards even on failure.
const NS = `mpe${process.pid}-ko`;
const PATH = `/var/run/netns/${NS}`;
const pod: PodTarget = { namespace: 'red', pod: 'proxy-ko', role: 'proxy', netns: PATH };

function sh(...argv: string[]): string {
  return execFileSync(argv[0] as string, argv.slice(1), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
const inNs = (args: string) => sh('ip', '-n', NS, ...args.split(' '));

/** This process's children inside the namespace (nsenter execs iproute2 in place), by pid. */
function readersIn(path: string): number[] {
  const inode = statSync(path).ino;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readlinkSync(`/proc/${entry}/ns/net`) === `net:[${inode}]`)
        pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids.sort((a, b) => a - b);
}

/** `read()` once it returns nothing, or what it still returns after 2 s. */
async function settled(read: () => number[]): Promise<number[]> {
  const end = Date.now() + 2000;
  let now = read();
  while (now.length > 0 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    now = read();
  }
  return now;
}

const text = (r: CommandResult | undefined): string => {
  assert.ok(r?.kind === 'text', JSON.stringify(r));
  return r.text;
};

describe('pod namespaces read by kept-open iproute2 processes', () => {
  before(() => {
    requireTool('nsenter');
    removeStaleNamespaces('mpe');
    sh('ip', 'netns', 'add', NS);
    inNs('link add br0 type bridge');
    inNs('link add v0 type veth peer name v1');
    inNs('link set v0 master br0');
    for (const l of ['lo', 'br0', 'v0', 'v1']) inNs(`link set ${l} up`);
  });
  after(() => {
    try {
      sh('ip', 'netns', 'del', NS);
    } catch {
      // Removed by the test.
    }
  });

  it('answers every cycle from the same processes: none is started per pod and cycle', async () => {
    const source = new NetnsPodSource({ pods: [pod] });
    try {
      const first = await source.run(pod, commandsOfForm('json'), 5000);
      assert.ok(
        first.every((r) => r.kind === 'text'),
        JSON.stringify(first),
      );
      const pids = readersIn(PATH);
      // link, addr + neigh, -4 rule + route, -6 rule + route, bridge fdb.
      assert.equal(pids.length, 5, `processes: ${pids}`);
      for (let cycle = 0; cycle < 3; cycle++) {
        const again = await source.run(pod, commandsOfForm('json'), 5000);
        assert.ok(again.every((r) => r.kind === 'text'));
      }
      assert.deepEqual(readersIn(PATH), pids);
    } finally {
      source.close();
    }
    // SIGKILL is delivered and reaped asynchronously: give the kernel and libuv a moment.
    assert.deepEqual(await settled(() => readersIn(PATH)), [], 'close() stops them');
  });

  it('gives the same output as a process per command', async () => {
    const kept = new NetnsPodSource({ pods: [pod] });
    const once = new NetnsPodSource({ pods: [pod], keepOpen: false });
    try {
      const commands = [
        POD_COMMANDS.linkJson,
        POD_COMMANDS.rule4Json,
        POD_COMMANDS.rule6Json,
        POD_COMMANDS.fdbJson,
      ];
      await kept.run(pod, commands, 5000);
      const a = await kept.run(pod, commands, 5000);
      const b = await once.run(pod, commands, 5000);
      // Counters and the bridge's timers move between the two reads; everything else is equal.
      const still = (s: string) =>
        s.replace(/"(packets|bytes|errors|dropped|multicast|[a-z_]+_timer)":[\d.]+/g, '"$1":0');
      assert.deepEqual(a.map(text).map(still), b.map(text).map(still));
    } finally {
      kept.close();
    }
  });

  it('replaces its processes when an interface is renamed, so no output carries the old name', async () => {
    const source = new NetnsPodSource({ pods: [pod] });
    try {
      const before = text((await source.run(pod, [POD_COMMANDS.linkJson, POD_COMMANDS.fdbJson], 5000))[0]);
      assert.match(before, /"ifname":"v0"[^}]*"master":"br0"/);
      const pids = readersIn(PATH);
      inNs('link set br0 down');
      inNs('link set br0 name br9');
      inNs('link set br9 up');
      const [link, fdb] = await source.run(pod, [POD_COMMANDS.linkJson, POD_COMMANDS.fdbJson], 5000);
      assert.match(text(link), /"ifname":"v0"[^}]*"master":"br9"/);
      assert.doesNotMatch(text(fdb), /"master":"br0"/);
      assert.notDeepEqual(readersIn(PATH), pids, 'new processes');
    } finally {
      source.close();
      inNs('link set br9 name br0');
    }
  });

  it('lets a namespace go as soon as its path leads nowhere', async () => {
    const ns2 = `${NS}2`;
    const path2 = `/var/run/netns/${ns2}`;
    const pod2 = { ...pod, pod: 'proxy-gone', netns: path2 };
    sh('ip', 'netns', 'add', ns2);
    const source = new NetnsPodSource({ pods: [pod2] });
    try {
      await source.run(pod2, commandsOfForm('json'), 5000);
      const pids = readersIn(path2);
      assert.equal(pids.length, 5);
      sh('ip', 'netns', 'del', ns2);
      // Each cycle asks for the namespace's inode first: none, so its processes are stopped.
      assert.equal(await source.netnsInode(pod2), undefined);
      assert.deepEqual(await settled(() => pids.filter(isAlive)), []);
    } finally {
      source.close();
    }
  });

  it('lets a namespace go when its path leads to another one (made anew under the same name)', async () => {
    const ns3 = `${NS}3`;
    const path3 = `/var/run/netns/${ns3}`;
    const pod3 = { ...pod, pod: 'proxy-remade', netns: path3 };
    sh('ip', 'netns', 'add', ns3);
    const source = new NetnsPodSource({ pods: [pod3] });
    try {
      await source.netnsInode(pod3);
      await source.run(pod3, [POD_COMMANDS.addrJson], 5000);
      const pids = readersIn(path3);
      assert.equal(pids.length, 1);
      sh('ip', 'netns', 'del', ns3);
      sh('ip', 'netns', 'add', ns3);
      assert.notEqual(await source.netnsInode(pod3), undefined);
      assert.deepEqual(await settled(() => pids.filter(isAlive)), [], 'the old namespace is not held');
    } finally {
      source.close();
      sh('ip', 'netns', 'del', ns3);
    }
  });

  it('two pods listed with one namespace path share its processes, one request after the other', async () => {
    const twin = { ...pod, pod: 'proxy-twin' };
    const source = new NetnsPodSource({ pods: [pod, twin] });
    try {
      const [a, b] = await Promise.all([
        source.run(pod, commandsOfForm('json'), 5000),
        source.run(twin, commandsOfForm('json'), 5000),
      ]);
      assert.ok([...(a ?? []), ...(b ?? [])].every((r) => r.kind === 'text'));
      assert.equal(readersIn(PATH).length, 5);
    } finally {
      source.close();
    }
  });

  it('retain() stops the processes of namespaces no longer listed', async () => {
    const source = new NetnsPodSource({ pods: [pod] });
    try {
      await source.run(pod, [POD_COMMANDS.addrJson], 5000);
      const pids = readersIn(PATH);
      assert.equal(pids.length, 1);
      source.retain(new Set());
      assert.deepEqual(await settled(() => pids.filter(isAlive)), []);
    } finally {
      source.close();
    }
  });
});

describe('kept-open processes that fail, hang or talk out of turn (an iproute2 stand-in)', () => {
  let dir: string;
  // A `-batch` peer: prints a JSON line per input line, fails `fail` lines as iproute2 does (message,
  // `Command failed -:N`, exit 1), never answers `hang`, and answers `twice` with two lines.
  const fakeIp = `#!/bin/sh
n=0
while IFS= read -r line; do
  n=$((n+1))
  case "$line" in
    rule*|fail*) echo "Error: something went wrong" >&2; echo "Command failed -:$n" >&2; exit 1 ;;
    hang*) sleep 30 ;;
    twice*) printf '[]\n[]\n' ;;
    *) echo "[{\\"line\\":$n,\\"pid\\":$$}]" ;;
  esac
done
`;
  // nsenter stand-in: runs what follows `--` (the namespace is not the point here).
  const fakeNsenter = `#!/bin/sh
while [ "$1" != "--" ]; do shift; done
shift
exec "$@"
`;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mpe-batch-'));
    writeFileSync(join(dir, 'ip'), fakeIp);
    writeFileSync(join(dir, 'nsenter'), fakeNsenter);
    chmodSync(join(dir, 'ip'), 0o755);
    chmodSync(join(dir, 'nsenter'), 0o755);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const reader = () => new BatchReader(join(dir, 'ip'), [], { PATH: process.env.PATH ?? '' });

  it('a failing command fails alone; the ones after it are answered by a new process', async () => {
    const s = new NetnsPodSource({
      pods: [pod],
      nsenter: join(dir, 'nsenter'),
      ip: join(dir, 'ip'),
      bridge: join(dir, 'ip'),
    });
    try {
      // The stand-in fails `rule …`: in the `-4` batch the rule fails and the route is asked anew.
      const [rule, route] = await s.run(pod, [POD_COMMANDS.rule4Json, POD_COMMANDS.route4Json], 5000);
      assert.equal(rule?.kind === 'failed' && rule.error.reason, 'command-error');
      assert.match(text(route), /"line":1/, 'the first line of a new process');
    } finally {
      s.close();
    }
  });

  it('a command that hangs is cut at the deadline; the next request gets a new process', async () => {
    const r = reader();
    try {
      const hung = await r.run(['a', 'hang', 'b'], 300);
      assert.equal(hung.lines.length, 1);
      assert.equal(hung.error?.reason, 'timeout');
      const next = await r.run(['c'], 2000);
      assert.deepEqual(next.lines.length, 1);
      assert.match(next.lines[0] as string, /"line":1/);
    } finally {
      r.close();
    }
  });

  it('more lines than asked for: the answer is kept and the out-of-step process replaced', async () => {
    const r = reader();
    try {
      const first = await r.run(['twice'], 2000);
      assert.deepEqual(first.lines, ['[]']);
      const pid = r.pid;
      const next = await r.run(['x'], 2000);
      assert.match(next.lines[0] as string, /"line":1/);
      assert.notEqual(r.pid, pid);
    } finally {
      r.close();
    }
  });

  it('a missing program is an io failure naming it', async () => {
    const r = new BatchReader('/nonexistent/ip', [], {});
    const answer = await r.run(['link show'], 2000);
    assert.equal(answer.error?.reason, 'io');
    assert.match(answer.error?.message ?? '', /cannot run \/nonexistent\/ip: not installed/);
  });
});
