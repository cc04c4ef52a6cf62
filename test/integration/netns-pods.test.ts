import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { PodCollection } from '../../src/cycle/pod-collection.ts';
import type { RunningExporter } from '../../src/exporter.ts';
import { renderPodParts } from '../../src/render/pod-renderer.ts';
import { NetnsPodSource } from '../../src/sources/netns.ts';
import { commandsOfForm, POD_COMMANDS } from '../../src/sources/pod-commands.ts';
import type { PodTarget } from '../../src/sources/pod-source.ts';
import { startTestExporter } from '../support/exporter.ts';
import { GuideTopology, removeStaleNamespaces } from '../support/netns-topology.ts';
import { TestPrometheus } from '../support/prometheus.ts';
import { requireTool } from '../support/tools.ts';

// Root only (CI runs as root): real namespaces built with iproute2, removed afterwards even on failure.
const topology = new GuideTopology(`mpe${process.pid}-it`);
const P = topology.pods;
const targets = (): PodTarget[] =>
  Object.values(P).map((p) => ({
    namespace: p.namespace,
    pod: p.pod,
    role: p.role,
    netns: topology.path(p),
  }));

async function collectText(): Promise<string> {
  const c = new PodCollection(new NetnsPodSource({ pods: targets() }), {
    node: 'it-node',
    commandTimeoutMs: 5000,
    includeLocal: false,
    logger: pino({ level: 'silent' }),
  });
  const pods = await c.collect(Date.now() + 10_000);
  for (const pod of pods) {
    const failed = pod.commands.filter((s) => s.state !== 'ok');
    assert.deepEqual(failed, [], `${pod.target.pod}: ${JSON.stringify(failed)}`);
  }
  return Buffer.concat(await renderPodParts(pods)).toString('utf8');
}

async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  let last: T = await read();
  while (!ok(last)) {
    if (Date.now() > end) assert.fail(`${what}: still ${JSON.stringify(last)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
    last = await read();
  }
  return last;
}

describe('Meridio pods on real network namespaces (the guide topology)', () => {
  let exporter: RunningExporter | undefined;
  const prometheus = new TestPrometheus();

  before(() => {
    requireTool('nsenter');
    removeStaleNamespaces('mpe');
    topology.create();
  });

  after(async () => {
    await exporter?.stop();
    await prometheus.stop();
    topology.destroy();
  });

  it('reads rules, VIP tables, neighbours, the FDB and interfaces through the netns source', async () => {
    const text = await collectText();
    const proxy = 'namespace="red",pod="proxy-conduit-a-1-abc"';
    for (const line of [
      `meridio_proxy_rule_info{node="it-node",${proxy},family="ipv4",priority="32765",from="20.0.0.1",action="lookup",table="1"} 1`,
      `meridio_proxy_rule_info{node="it-node",${proxy},family="ipv6",priority="32765",from="2000::1",action="lookup",table="2"} 1`,
      `meridio_proxy_route_nexthops{node="it-node",${proxy},family="ipv4",table="1",dst="default",type="unicast"} 2`,
      `meridio_proxy_route_nexthops{node="it-node",${proxy},family="ipv6",table="2",dst="default",type="unicast"} 2`,
      `meridio_proxy_route_nexthop_info{node="it-node",${proxy},family="ipv4",table="1",dst="default",via="172.16.1.4",dev="bridge0",weight="1"} 1`,
      `meridio_proxy_route_nexthop_info{node="it-node",${proxy},family="ipv6",table="2",dst="default",via="fd00:0:0:1::2",dev="bridge0",weight="1"} 1`,
      `meridio_bridge_fdb_entry_info{node="it-node",${proxy},bridge="bridge0",port="proxy.cond-97e3",mac="02:fe:c2:14:ec:dd"} 1`,
      `meridio_pod_interface_info{node="it-node",${proxy},interface="conduit-a--90c8",mac="02:fe:eb:4a:02:dc",mtu="1400",operstate="UP",master="bridge0",kind="veth"} 1`,
      `meridio_pod_interface_address_info{node="it-node",namespace="red",pod="target-a-1",interface="nsm-0",address="20.0.0.1",prefix_len="32",family="ipv4"} 1`,
      `meridio_pod_info{node="it-node",${proxy},role="proxy",source="netns",form="json"} 1`,
    ]) {
      assert.ok(text.includes(`${line}\n`), `missing: ${line}`);
    }
    assert.match(
      text,
      /meridio_neighbor_state\{[^}]*ip="172\.16\.1\.2",dev="bridge0",lladdr="02:fe:66:8b:f7:da",state="(REACHABLE|STALE|DELAY)"/,
    );
    assert.match(text, /meridio_bridge_fdb_entries\{[^}]*port="proxy\.cond-97e3"\} 2/);
    const rx = /meridio_pod_interface_rx_packets_total\{[^}]*pod="target-a-1",interface="nsm-0"\} (\d+)/.exec(
      text,
    );
    assert.ok(rx && Number(rx[1]) > 0, 'the pings of the setup are counted on the target');
  });

  it('batched commands give what each command gives alone', async () => {
    const source = new NetnsPodSource({ pods: targets() });
    const proxy = targets()[0] as PodTarget;
    const commands = [
      POD_COMMANDS.rule4Json,
      POD_COMMANDS.route4Json,
      POD_COMMANDS.rule6Json,
      POD_COMMANDS.route6Json,
      POD_COMMANDS.addrJson,
    ];
    const batched = await source.run(proxy, commands, 5000);
    for (const [i, c] of commands.entries()) {
      const [alone] = await source.run(proxy, [c], 5000);
      const b = batched[i];
      assert.ok(b?.kind === 'text' && alone?.kind === 'text', c.id);
      assert.deepEqual(JSON.parse(b.text), JSON.parse(alone.text), c.id);
    }
  });

  it('a batch line that fails is reported on that command; the lines after it still run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpe-fake-ip-'));
    try {
      // An `ip` that answers `[]` to every batch line but fails the `neigh` one, as iproute2 reports it.
      const fake = join(dir, 'ip');
      writeFileSync(
        fake,
        '#!/bin/sh\nn=0\nwhile IFS= read -r line; do n=$((n+1)); case "$line" in *neigh*) echo "Error: simulated" >&2; echo "Command failed -:$n" >&2; exit 1;; esac; echo "[]"; done\n',
      );
      chmodSync(fake, 0o755);
      const source = new NetnsPodSource({ pods: targets(), ip: fake });
      const proxy = targets()[0] as PodTarget;
      const results = await source.run(
        proxy,
        [POD_COMMANDS.addrJson, POD_COMMANDS.neighJson, POD_COMMANDS.addrJson],
        5000,
      );
      assert.deepEqual(results[0], {
        kind: 'text',
        text: '[]\n',
        durationSeconds: results[0]?.kind === 'text' ? results[0].durationSeconds : 0,
      });
      assert.equal(results[1]?.kind, 'failed');
      assert.equal(results[1]?.kind === 'failed' && results[1].error.reason, 'command-error');
      assert.match(results[1]?.kind === 'failed' ? results[1].error.message : '', /simulated/);
      assert.equal(results[2]?.kind, 'text');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a namespace that is gone fails every command with `connect`, and a missing tool with `io`', async () => {
    const gone = new NetnsPodSource({
      pods: [{ namespace: 'red', pod: 'gone', netns: '/var/run/netns/mpe-does-not-exist' }],
    });
    const results = await gone.run(
      { namespace: 'red', pod: 'gone', netns: '/var/run/netns/mpe-does-not-exist' },
      commandsOfForm('json'),
      5000,
    );
    assert.ok(
      results.every((r) => r.kind === 'failed' && r.error.reason === 'connect'),
      JSON.stringify(results),
    );
    const noTool = new NetnsPodSource({ pods: targets(), nsenter: '/nonexistent/nsenter' });
    const [r] = await noTool.run(targets()[0] as PodTarget, [POD_COMMANDS.addrJson], 5000);
    assert.equal(r?.kind === 'failed' && r.error.reason, 'io');
  });

  it('a real Prometheus sees the nexthop count drop, the failed neighbour and the lost target MAC', async () => {
    const pods = targets()
      .map((t) => `${t.namespace}/${t.pod}:${t.role}=${t.netns}`)
      .join(',');
    exporter = await startTestExporter(
      [`--netns.pods=${pods}`, '--collect.interval=2s', '--collect.command-timeout=1500ms', '--node=it-node'],
      { schedule: true },
    );
    await prometheus.start([exporter.url.replace('http://', '')]);
    const proxy = 'pod="proxy-conduit-a-1-abc"';
    const nexthopsOfTable1 = async () =>
      (await prometheus.query(`count by (table) (meridio_proxy_route_nexthop_info{${proxy}})`)).find(
        (r) => r.metric.table === '1',
      )?.value[1];
    await waitFor('nexthops of table 1', nexthopsOfTable1, (v) => v === '2');

    // Break 1: one frontend's nexthop removed from the VIP table.
    topology.exec(P.proxy, [
      'ip',
      'route',
      'replace',
      'default',
      'table',
      '1',
      'nexthop',
      'via',
      '172.16.1.2',
      'dev',
      'bridge0',
      'weight',
      '1',
    ]);
    await waitFor('nexthops of table 1 after the break', nexthopsOfTable1, (v) => v === '1');

    // Break 2: a frontend's link goes down; the proxy's neighbour entry for it fails when probed.
    const failedNexthops = `meridio_proxy_route_nexthop_info * on (node, namespace, pod, via) group_left (state) label_replace(meridio_neighbor_state{state=~"FAILED|INCOMPLETE"}, "via", "$1", "ip", "(.*)")`;
    // Preconditions are awaited, not asserted once: a cycle that misses its deadline on a loaded CI
    // machine leaves the series out (never zero), which these queries would read as a break.
    await waitFor(
      'no failed nexthop before the break',
      () => prometheus.query(failedNexthops),
      (r) => r.length === 0,
    );
    topology.exec(P.frontendJkl, ['ip', 'link', 'set', 'conduit-a--0a17', 'down']);
    const failed = await waitFor(
      'a FAILED/INCOMPLETE nexthop',
      async () => {
        try {
          topology.exec(P.proxy, ['ping', '-c', '1', '-W', '1', '172.16.1.2']);
        } catch {
          // Expected to fail: the link is down.
        }
        return prometheus.query(failedNexthops);
      },
      (r) => r.length > 0,
      30_000,
    );
    assert.equal(failed[0]?.metric.via, '172.16.1.2');
    assert.equal(failed[0]?.metric.table, '1');

    // Break 3: the bridge stops learning on the target port and its entry is flushed.
    const targetMacMissing =
      'meridio_pod_interface_info{interface!~"lo|eth0"} * on (node, namespace, pod) group_left meridio_pod_info{role="target"} unless on (mac) meridio_bridge_fdb_entry_info';
    await waitFor(
      'the target MAC in the FDB before the break',
      () => prometheus.query(targetMacMissing),
      (r) => r.length === 0,
    );
    topology.exec(P.proxy, ['bridge', 'link', 'set', 'dev', 'proxy.cond-97e3', 'learning', 'off']);
    topology.exec(P.proxy, ['bridge', 'fdb', 'del', '02:fe:c2:14:ec:dd', 'dev', 'proxy.cond-97e3', 'master']);
    const missing = await waitFor(
      'the target MAC missing from the FDB',
      () => prometheus.query(targetMacMissing),
      (r) => r.length > 0,
    );
    assert.equal(missing[0]?.metric.mac, '02:fe:c2:14:ec:dd');
    assert.equal(missing[0]?.metric.pod, 'target-a-1');
  });
});
