import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { POD_PARSERS } from '../../../src/collectors/pod/index.ts';
import { PodCollection } from '../../../src/cycle/pod-collection.ts';
import { SelfMetrics } from '../../../src/exposition/self-metrics.ts';
import { renderPodParts } from '../../../src/render/pod-renderer.ts';
import {
  commandsOfForm,
  POD_COMMAND_LIST,
  POD_COMMANDS,
  podCommandSlug,
} from '../../../src/sources/pod-commands.ts';
import { demoPod, linuxFixture, PROXY } from '../../support/fixtures.ts';
import { MemoryPodSource } from '../../support/memory-pod-source.ts';

const C = POD_COMMANDS;

function proxyJson(source: MemoryPodSource): void {
  source.pods = [{ namespace: 'red', pod: PROXY, role: 'proxy' }];
  for (const c of commandsOfForm('json')) {
    source.set(PROXY, c.id, demoPod('worker-a', PROXY, podCommandSlug(c.id)));
  }
}

function collection(source: MemoryPodSource, includeLocal = false) {
  return new PodCollection(source, {
    node: 'worker-a',
    commandTimeoutMs: 1000,
    includeLocal,
    logger: pino({ level: 'silent' }),
  });
}

async function metricsOf(c: PodCollection): Promise<string> {
  return Buffer.concat(await renderPodParts(await c.collect(Date.now() + 5000))).toString('utf8');
}

describe('PodCollection', () => {
  it('reads the JSON form and renders the VIP table with its two nexthops', async () => {
    const source = new MemoryPodSource();
    proxyJson(source);
    const [pod] = await collection(source).collect(Date.now() + 5000);
    assert.equal(pod?.form, 'json');
    assert.ok(pod?.commands.every((s) => s.state === 'ok'));
    const text = Buffer.concat(await renderPodParts(pod ? [pod] : [])).toString('utf8');
    assert.match(
      text,
      /meridio_proxy_route_nexthops\{node="worker-a",namespace="red",pod="proxy-conduit-a-1-abc",family="ipv4",table="1",dst="default",type="unicast"\} 2/,
    );
    assert.match(text, /meridio_pod_info\{[^}]*role="proxy",source="memory",form="json"\} 1/);
  });

  it('falls back to the text form when `ip` has no -json, and says so in meridio_pod_info', async () => {
    const source = new MemoryPodSource();
    source.pods = [{ namespace: 'red', pod: 'busybox-pod' }];
    for (const c of commandsOfForm('json')) {
      source.set('busybox-pod', c.id, { fail: 'unsupported' });
    }
    source.set('busybox-pod', C.addrText.id, linuxFixture('ip-addr.guide.proxy.txt'));
    source.set('busybox-pod', C.rule4Text.id, linuxFixture('ip-rule.guide.proxy.txt'));
    source.set('busybox-pod', C.procNetDev.id, linuxFixture('proc-net-dev.netns.proxy.txt'));
    const c = collection(source);
    const text = await metricsOf(c);
    assert.match(text, /meridio_pod_info\{[^}]*form="text"\} 1/);
    assert.match(text, /meridio_proxy_rule_info\{[^}]*from="20\.0\.0\.1"[^}]*table="1"\} 1/);
    assert.match(
      text,
      /meridio_pod_interface_info\{[^}]*interface="proxy\.cond-97e3",mac="02:fe:d4:d5:c4:53",mtu="1500",operstate="UNKNOWN",master="bridge0"\} 1/,
    );
    assert.match(text, /meridio_pod_interface_rx_packets_total\{[^}]*interface="bridge0"\} \d+/);
    // The chosen form is remembered: the next cycle does not try JSON first.
    source.calls.length = 0;
    await c.collect(Date.now() + 5000);
    assert.ok(source.calls.every((call) => !call.includes('-json')));
  });

  it('falls back to /proc when there is no `ip` at all', async () => {
    const source = new MemoryPodSource();
    source.pods = [{ namespace: 'red', pod: 'distroless' }];
    source.set('distroless', C.procNetDev.id, linuxFixture('proc-net-dev.netns.proxy.txt'));
    source.set('distroless', C.sysClassNetAddress.id, linuxFixture('sys-class-net-address.netns.proxy.txt'));
    source.set('distroless', C.procNetArp.id, linuxFixture('proc-net-arp.netns.proxy-failed.txt'));
    for (const c of [C.addrText, C.rule4Text, C.neighText])
      source.set('distroless', c.id, { fail: 'unsupported' });
    const text = await metricsOf(collection(source));
    assert.match(text, /form="proc"/);
    assert.match(
      text,
      /meridio_neighbor_state\{[^}]*ip="172\.16\.1\.4",dev="bridge0",state="INCOMPLETE",router="false"\} 1/,
    );
    assert.match(text, /meridio_pod_interface_info\{[^}]*interface="bridge0",mac="02:fe:d2:cc:a2:95"\} 1/);
  });

  it('leaves out the data of a failed command (never zero) and reports it, keeping the rest', async () => {
    const source = new MemoryPodSource();
    proxyJson(source);
    source.set(PROXY, C.route4Json.id, { fail: 'timeout' });
    source.set(PROXY, C.neighJson.id, '[{"dst":"172.16.1.2"');
    const [pod] = await collection(source).collect(Date.now() + 5000);
    const status = (id: string) => pod?.commands.find((s) => s.command === id);
    assert.equal(status(C.route4Json.id)?.failure, 'timeout');
    assert.equal(status(C.neighJson.id)?.failure, 'parse');
    assert.equal(pod?.data.neighbors, undefined);
    const text = Buffer.concat(await renderPodParts(pod ? [pod] : [])).toString('utf8');
    assert.doesNotMatch(text, /family="ipv4",table="1"/);
    assert.match(text, /family="ipv6",table="2",dst="default",type="unicast"\} 2/);
    assert.doesNotMatch(text, /meridio_neighbor_state/);
    const self = new SelfMetrics('worker-a');
    for (const s of pod?.commands ?? [])
      self.observeCommand({ source: 'pod', namespace: 'red', pod: PROXY }, s);
    const selfText = await self.render();
    assert.match(
      selfText,
      /collect_failures_total\{source="pod",forwarder="",namespace="red",pod="proxy-conduit-a-1-abc",command="ip -json -4 route show table all",reason="timeout",node="worker-a"\} 1/,
    );
    assert.match(selfText, /collect_success\{[^}]*command="ip -json neigh show"[^}]*\} 0/);
  });

  it('drops the local table, link-local multicast neighbours and multicast FDB entries unless asked', async () => {
    const source = new MemoryPodSource();
    proxyJson(source);
    source.set(
      PROXY,
      C.neighJson.id,
      '[{"dst":"ff02::16","dev":"bridge0","lladdr":"33:33:00:00:00:16","state":["NOARP"]}]',
    );
    source.set(
      PROXY,
      C.fdbJson.id,
      '[{"mac":"01:00:5e:00:00:01","ifname":"bridge0","master":"bridge0","state":"permanent"}]',
    );
    const bounded = await metricsOf(collection(source));
    assert.doesNotMatch(bounded, /meridio_proxy_route[^\n]*table="local"|ff02::16|01:00:5e/);
    const all = await metricsOf(collection(source, true));
    assert.match(all, /meridio_proxy_route_nexthops\{[^}]*table="local"/);
    assert.match(all, /ip="ff02::16"/);
    assert.match(all, /mac="01:00:5e:00:00:01"/);
  });

  it('a pod that goes away leaves /metrics and its self metrics at the next cycle', async () => {
    const source = new MemoryPodSource();
    proxyJson(source);
    const c = collection(source);
    const self = new SelfMetrics('worker-a');
    const cycle = async () => {
      const pods = await c.collect(Date.now() + 5000);
      for (const p of pods)
        for (const s of p.commands)
          self.observeCommand({ source: 'pod', namespace: 'red', pod: p.target.pod }, s);
      self.sweepCommandSeries();
      return Buffer.concat(await renderPodParts(pods)).toString('utf8') + (await self.render());
    };
    assert.match(await cycle(), /proxy-conduit-a-1-abc/);
    source.pods = [];
    assert.doesNotMatch(await cycle(), /proxy-conduit-a-1-abc/);
  });

  it('gives every command a timeout status when the cycle deadline has passed', async () => {
    const source = new MemoryPodSource();
    proxyJson(source);
    const [pod] = await collection(source).collect(Date.now() - 1);
    assert.ok(pod && pod.commands.length > 0 && pod.commands.every((s) => s.failure === 'timeout'));
    assert.deepEqual(source.calls, []);
  });
});

describe('pod commands and their parsers', () => {
  it('has a parser for every allowlisted pod command (a command without one would go unreported)', () => {
    for (const c of POD_COMMAND_LIST) assert.ok(POD_PARSERS.has(c.id), c.id);
  });
});
