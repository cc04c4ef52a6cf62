import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import { type AuditEvent, KubeCluster, kubeClusterOrSkip, NODE_NAME } from '../support/kube-cluster.ts';
import {
  CONDUITS,
  MERIDIO_CRDS,
  MeridioWiring,
  MONITORING_CRDS,
  topologyManifests,
} from '../support/meridio-topology.ts';
import { TestPrometheus } from '../support/prometheus.ts';
import { builtTool } from '../support/test-cache.ts';

// The product on a real Kubernetes node (tests/support/kube-cluster.ts: etcd, API server, controller
// manager, scheduler, kubelet, kube-proxy, containerd, runc), installed as an operator installs it:
// the image built from the Dockerfile, `kubectl apply -k deploy/overlays/…`, Prometheus finding the
// agents with the README's job. The Meridio deployment is two trenches in namespace red
// (meridio-topology.ts) behind a real VPP in NSM's forwarder-vpp pod.

const NS = 'meridio-path-exporter';
const SA = `system:serviceaccount:${NS}:meridio-path-exporter`;
const README = new URL('../../README.md', import.meta.url).pathname;
const RULES = new URL('../../deploy/rules/meridio-path-exporter.rules.yml', import.meta.url).pathname;
/** Meridio pods of the topology: a proxy and a frontend per conduit, a target per trench. */
const MERIDIO_PODS = CONDUITS.length * 2 + 2;
/** Series that measure time or the exporter's own process: they differ between any two reads. */
const TIMING = /_seconds|_bytes(_total)?\{|^process_|^nodejs_|_duration|_timestamp|scrape|cycle/;

interface Series {
  name: string;
  labels: Record<string, string>;
  value: string;
}

function parseExposition(text: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1] as string] = l[2] as string;
    }
    out.push({ name: m[1] as string, labels, value: m[3] as string });
  }
  return out;
}

describe('on a real Kubernetes node', { skip: kubeClusterOrSkip() }, () => {
  const cluster = new KubeCluster();
  let wiring: MeridioWiring;
  // Debian's Prometheus (2.42) is built without Kubernetes service discovery: Prometheus 3 from the
  // Go module proxy (scripts/test-cluster-parts.sh), as kube-prometheus-stack ships it. It runs through
  // every test with the README's job and the shipped rules, so each fault is seen as an operator sees it.
  const prometheus = new TestPrometheus(builtTool('prometheus'));

  before(async () => {
    const started = Date.now();
    await cluster.start();
    await cluster.kubectl(['apply', '-f', MERIDIO_CRDS, '-f', MONITORING_CRDS]);
    await cluster.kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    await cluster.apply(topologyManifests());
    await cluster.kubectl(['wait', '--for=condition=Ready', 'pods', '--all', '-A', '--timeout=180s']);
    wiring = new MeridioWiring(cluster);
    await wiring.wire();
    const readmeJob = readmeScrapeJob();
    // This Prometheus runs beside the cluster, not in it: the one line the README's in-cluster job lacks.
    const [sd] = readmeJob.kubernetes_sd_configs as Record<string, unknown>[];
    assert.ok(sd);
    sd.kubeconfig_file = cluster.kubeconfig;
    await prometheus.start(
      [],
      undefined,
      [RULES],
      YAML.stringify([readmeJob])
        .split('\n')
        .map((l) => `  ${l}`),
    );
    console.log(`cluster, topology and wiring ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  after(async () => {
    await prometheus.stop();
    await cluster.stop();
  });

  /**
   * Waits until the alerts the shipped rules raise (pending or firing: the faults here last less than
   * any `for:`) are exactly `names`, and stay so for a few evaluations.
   */
  async function alertsBecome(names: string[], timeoutMs = 90_000): Promise<void> {
    const want = JSON.stringify([...names].sort());
    const started = Date.now();
    let seen = '';
    let sameSince = 0;
    const timeline: string[] = [];
    while (Date.now() < started + timeoutMs) {
      const alerts = await prometheus.query('ALERTS');
      const now = JSON.stringify([...new Set(alerts.map((a) => a.metric.alertname as string))].sort());
      if (now !== seen) {
        sameSince = Date.now();
        timeline.push(`${((sameSince - started) / 1000).toFixed(0)} s: ${now}`);
      }
      seen = now;
      if (now === want && Date.now() - sameSince >= 5_000) {
        console.log(`alerts ${want}: ${timeline.join(', ')}`);
        return;
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
    if (process.env.MPE_EXPLORE) {
      console.log(`EXPLORE alerts want ${want}: ${timeline.join(', ')}`);
      return;
    }
    throw new Error(`alerts ${seen}, want ${want} (${timeline.join(', ')})`);
  }

  /** Prometheus' current series that name `value` in any label: none once a replaced object is stale. */
  async function seriesNaming(label: string, value: string): Promise<string[]> {
    return (await prometheus.query(`{${label}="${value}"}`)).map((s) => JSON.stringify(s.metric));
  }

  /** Applies an overlay as the README says (exec with deploy/exec-access) and waits for the agent's rollout. */
  async function install(overlay: string, namespace = NS): Promise<void> {
    await cluster.kubectl(['apply', '-k', overlay.includes('/') ? overlay : `deploy/overlays/${overlay}`]);
    if (overlay.startsWith('exec')) await cluster.kubectl(['apply', '-k', 'deploy/exec-access']);
    await cluster.kubectl([
      '-n',
      namespace,
      'rollout',
      'status',
      'ds/meridio-path-exporter',
      '--timeout=180s',
    ]);
  }

  async function agentUrl(namespace = NS): Promise<string> {
    const pods = JSON.parse(await cluster.kubectl(['-n', namespace, 'get', 'pods', '-o', 'json'])) as {
      items: { status: { podIP?: string; phase: string }; metadata: { deletionTimestamp?: string } }[];
    };
    const ready = pods.items.filter((p) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp);
    assert.equal(ready.length, 1, 'one agent on the one node');
    return `http://${ready[0]?.status.podIP}:9847`;
  }

  /** The agent's /metrics once it is complete: every command read, every Meridio pod and VPP link seen. */
  async function completeMetrics(timeoutMs = 90_000, namespace = NS): Promise<Series[]> {
    const deadline = Date.now() + timeoutMs;
    let problem = 'no answer';
    while (Date.now() < deadline) {
      try {
        const series = parseExposition(await (await fetch(`${await agentUrl(namespace)}/metrics`)).text());
        const of = (name: string) => series.filter((s) => s.name === name);
        const failed = of('meridio_path_exporter_collect_success').filter((s) => s.value !== '1');
        const pods = of('meridio_pod_info');
        const hostIfs = of('vpp_interface_info').filter((s) => s.labels.interface?.startsWith('host-mpe-v'));
        const down = of('meridio_path_link_up').filter((s) => s.value !== '1');
        problem =
          failed.length > 0
            ? `failed reads: ${JSON.stringify(failed.map((s) => s.labels))}`
            : pods.length !== MERIDIO_PODS
              ? `${pods.length} Meridio pods, want ${MERIDIO_PODS}`
              : hostIfs.length !== CONDUITS.length * 4
                ? `${hostIfs.length} VPP af_packet interfaces, want ${CONDUITS.length * 4}`
                : down.length > 0
                  ? `links down: ${JSON.stringify(down.map((s) => s.labels))}`
                  : '';
        if (problem === '') return series;
      } catch (err) {
        problem = String(err);
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
    throw new Error(`/metrics not complete after ${timeoutMs} ms: ${problem}`);
  }

  /** Waits until the agent's /metrics satisfies `ok`. */
  async function untilMetrics(
    ok: (series: Series[]) => boolean,
    timeoutMs = 60_000,
    namespace = NS,
  ): Promise<Series[]> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const series = parseExposition(await (await fetch(`${await agentUrl(namespace)}/metrics`)).text());
        if (ok(series)) return series;
      } catch {
        // Between two agent pods.
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
    throw new Error(`/metrics did not reach the expected state in ${timeoutMs} ms`);
  }

  /** The agent's pod deleted; its DaemonSet makes a new one. */
  async function deleteAgentPod(): Promise<void> {
    await cluster.kubectl([
      '-n',
      NS,
      'delete',
      'pod',
      '-l',
      'app.kubernetes.io/name=meridio-path-exporter',
      '--wait',
    ]);
  }

  /** A field of the agent pod's metadata (`name`, `uid`). */
  async function agentPodField(field: 'name' | 'uid'): Promise<string> {
    return (
      await cluster.kubectl(['-n', NS, 'get', 'pods', '-o', `jsonpath={.items[0].metadata.${field}}`])
    ).trim();
  }

  /**
   * What two reads of the same node share: every series but timing and counter ones, without the labels
   * that say how it was read, and a neighbour's state (it ages between two reads).
   */
  function identity(series: Series[]): string[] {
    return series
      .filter((s) => !TIMING.test(s.name) && !s.name.endsWith('_total'))
      .map((s) => {
        const { source: _source, form: _form, ...labels } = s.labels;
        if (s.name === 'meridio_neighbor_state') delete labels.state;
        return `${s.name}${JSON.stringify(labels)}`;
      })
      .sort();
  }

  /**
   * What only node-local mode reads (docs/reading.md): VPP's stats segment (buffer pools, heaps, input
   * rate), which the kubelet's exec cannot reach. What only exec mode reads: `show errors` (the segment
   * has the errors). VPP's own namespace, whose veths name the pod interface behind each af_packet
   * interface (`tap-peer` links), both read: node-local through /proc, exec in the forwarder container.
   */
  const ONLY_NODE_LOCAL =
    /^(vpp_buffer_pool_|vpp_memory_heap_|vpp_input_rate_|vpp_vector_rate|vpp_worker_threads|meridio_path_exporter_collect_success\{"forwarder":"[^"]*","namespace":"","pod":"","command":"stats segment"|meridio_path_exporter_source_info)/;
  const ONLY_EXEC =
    /^(meridio_path_exporter_collect_success\{"forwarder":"[^"]*","namespace":"","pod":"","command":"show errors"|meridio_path_exporter_source_info)/;

  let nodeLocal: Series[] = [];

  it('node-local-plain: applied as the README says, the agent finds VPP through the kubelet’s cgroups and reads every Meridio pod', async () => {
    const started = Date.now();
    await install('node-local-plain');
    nodeLocal = await completeMetrics();
    console.log(
      `node-local-plain: kubectl apply to complete /metrics in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    const info = nodeLocal.filter((s) => s.name === 'meridio_pod_info');
    for (const c of CONDUITS) {
      const proxy = info.find((s) => s.labels.role === 'proxy' && s.labels.conduit === c.name);
      assert.equal(proxy?.labels.trench, c.trench, `proxy of ${c.name}`);
      const fe = info.find(
        (s) => s.labels.role === 'stateless-lb-frontend' && s.labels.attractor === c.attractor,
      );
      assert.equal(fe?.labels.conduit, c.name, `frontend of ${c.attractor}`);
    }
    assert.ok(info.every((s) => s.labels.node === NODE_NAME && s.labels.namespace === 'red'));
    // VPP read from its stats segment and CLI socket through /proc/<pid>/root of the forwarder pod.
    assert.ok(
      nodeLocal.some(
        (s) => s.name === 'meridio_path_exporter_collect_success' && s.labels.command === 'stats segment',
      ),
    );
    const xconnects = nodeLocal.filter(
      (s) => s.name === 'meridio_path_link_up' && s.labels.type === 'xconnect',
    );
    assert.equal(
      xconnects.length,
      CONDUITS.length * 2,
      'frontend ↔ proxy and proxy ↔ target of each conduit',
    );
  });

  it('exec-plain: the restricted namespace refuses what breaks it, and exec reads the same node as node-local', async () => {
    await install('exec-plain');
    const labels = JSON.parse(
      await cluster.kubectl(['get', 'namespace', NS, '-o', 'jsonpath={.metadata.labels}']),
    );
    assert.equal(labels['pod-security.kubernetes.io/enforce'], 'restricted');
    const hostPidPod = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'breaks-restricted', namespace: NS },
      spec: {
        hostPID: true,
        containers: [{ name: 'x', image: 'meridio-pod:test', imagePullPolicy: 'Never' }],
      },
    });
    await assert.rejects(
      cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], hostPidPod),
      /violates PodSecurity "restricted/,
    );
    const exec = await completeMetrics();
    const [a, b] = [identity(nodeLocal), identity(exec)];
    const onlyNodeLocal = a.filter((x) => !b.includes(x));
    const onlyExec = b.filter((x) => !a.includes(x));
    for (const [mode, series] of [
      ['node-local', a],
      ['exec', b],
    ] as const) {
      assert.ok(
        series.some((x) => x.includes('"type":"tap-peer"')),
        `${mode} names the af_packet peers`,
      );
    }
    assert.deepEqual(
      {
        onlyNodeLocal: onlyNodeLocal.filter((x) => !ONLY_NODE_LOCAL.test(x)),
        onlyExec: onlyExec.filter((x) => !ONLY_EXEC.test(x)),
      },
      { onlyNodeLocal: [], onlyExec: [] },
    );
    assert.ok(a.length - onlyNodeLocal.length > 300, `${a.length - onlyNodeLocal.length} series in common`);
  });

  it('node-local and exec with the Prometheus Operator: applied as they are, Ready, their ServiceMonitor and PrometheusRule in place', async () => {
    for (const overlay of ['node-local', 'exec']) {
      await install(overlay);
      await completeMetrics();
      const monitoring = await cluster.kubectl([
        '-n',
        NS,
        'get',
        'servicemonitor,prometheusrule',
        '-o',
        'name',
      ]);
      assert.deepEqual(monitoring.trim().split('\n').sort(), [
        'prometheusrule.monitoring.coreos.com/meridio-path-exporter',
        'servicemonitor.monitoring.coreos.com/meridio-path-exporter',
      ]);
    }
  });

  it('the ServiceAccount can do exactly what the agent needs, nothing more', async () => {
    // Rows of `kubectl auth can-i --list`: resource, non-resource URL, resource names, verbs. Rows of
    // non-resource URLs (discovery) and the self-reviews are every authenticated user's.
    const canI = async (namespace: string) =>
      (await cluster.kubectl(['auth', 'can-i', '--list', `--as=${SA}`, '-n', namespace, '--no-headers']))
        .split('\n')
        .filter((l) => l !== '' && !/^\s/.test(l))
        .map((l) => l.trim().split(/\s{2,}/))
        .map((f) => `${f[0]} ${f[3]}`)
        .filter((l) => !l.startsWith('selfsubject'))
        .sort();
    const discovery = [
      'pods [list watch]',
      'nodes [list watch]',
      'vips.meridio.nordix.org [list watch]',
      'attractors.meridio.nordix.org [list watch]',
    ].sort();
    assert.deepEqual(await canI('default'), discovery);
    const exec = [...discovery, 'pods/exec [get create]'].sort();
    assert.deepEqual(await canI('red'), exec);
    assert.deepEqual(await canI('nsm-system'), exec);
    for (const [verb, what, ns] of [
      ['get', 'secrets', 'red'],
      ['create', 'pods/exec', 'kube-system'],
      ['create', 'pods/exec', NS],
      ['delete', 'pods', 'red'],
    ] as const) {
      const answer = await cluster
        .kubectl(['auth', 'can-i', verb, what, `--as=${SA}`, '-n', ns])
        .catch((e: Error) => e.message);
      assert.match(answer, /\bno\b/, `${verb} ${what} in ${ns}`);
    }
  });

  it('a real Prometheus finds the agent with the README’s job and evaluates the shipped rules: nothing fires', async () => {
    await install('node-local-plain');
    await completeMetrics();
    const up = await prometheus.queryUntil('up{job="meridio-path-exporter"} == 1', 1, 60_000);
    assert.match(up[0]?.metric.exporter_pod ?? '', /^meridio-path-exporter-/);
    await prometheus.queryUntil('count(meridio_pod_info) >= 8', 1, 30_000);
    // Several evaluations over the healthy node: no rule's expression matches (pending counts too).
    await new Promise((r) => setTimeout(r, 10_000));
    assert.deepEqual(await prometheus.query('ALERTS'), []);
  });

  it('API load and cost of one agent, from the API server’s audit log and the pod’s cgroup', async () => {
    const agent = (e: AuditEvent) => e.user.username === SA;
    const windowS = 60;
    const start = Date.now();
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const events = cluster.auditEvents().filter(agent);
    const inWindow = events.filter((e) => Date.parse(e.requestReceivedTimestamp) >= start);
    // One event per request: a watch when it starts (it may never complete), anything else when done.
    const isRequest = (e: AuditEvent) =>
      e.verb === 'watch' ? e.stage === 'ResponseStarted' : e.stage === 'ResponseComplete';
    const requests = inWindow.filter(isRequest);
    const byVerb = (list: AuditEvent[]) =>
      Object.entries(
        list.reduce<Record<string, number>>((acc, e) => {
          const key = `${e.verb} ${e.objectRef?.resource ?? e.requestURI}`;
          acc[key] = (acc[key] ?? 0) + 1;
          return acc;
        }, {}),
      )
        .sort()
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ');
    // The first minute of the agent now running (its pod was started by the install before this test).
    const latestStart = Math.max(
      ...events.filter((e) => e.verb === 'list').map((e) => Date.parse(e.requestReceivedTimestamp)),
    );
    const firstMinute = events.filter((e) => {
      const t = Date.parse(e.requestReceivedTimestamp);
      return t >= latestStart - 5_000 && t < latestStart + 55_000 && isRequest(e);
    });
    const started = events.filter((e) => e.stage === 'ResponseStarted' && e.verb === 'watch').length;
    const ended = events.filter((e) => e.stage === 'ResponseComplete' && e.verb === 'watch').length;
    const agents = new Set(events.map((e) => e.userAgent));
    const cg = podCgroup(cluster.cgroupRoot, await agentPodField('uid'));
    const cpu0 = Number(readFileSync(join(cg.cpuacct, 'cpuacct.usage'), 'utf8'));
    await new Promise((r) => setTimeout(r, 30_000));
    const cpu1 = Number(readFileSync(join(cg.cpuacct, 'cpuacct.usage'), 'utf8'));
    const memory = Number(readFileSync(join(cg.memory, 'memory.usage_in_bytes'), 'utf8'));
    const rss = /^total_rss (\d+)$/m.exec(readFileSync(join(cg.memory, 'memory.stat'), 'utf8'))?.[1];
    console.log(
      [
        `agent API requests in its first minute (node-local, 1 node): ${firstMinute.length} (${byVerb(firstMinute)})`,
        `agent API requests in a steady ${windowS} s (node-local, 1 node): ${requests.length} (${byVerb(requests) || 'none'})`,
        `agent watches open: ${started - ended} (${started} started, ${ended} ended since install); user agents: ${[...agents].join(', ')}`,
        `agent pod: ${((cpu1 - cpu0) / 1e6 / 30).toFixed(2)} millicores over 30 s, memory ${(memory / 2 ** 20).toFixed(1)} MiB (rss ${(Number(rss) / 2 ** 20).toFixed(1)} MiB); DaemonSet requests 20m / 128Mi, limits 250m / 256Mi`,
      ].join('\n'),
    );
    // No list in the steady state (the agent never polls), and each kind's watch stays open: at most
    // one reconnect per kind in a minute (the server ends a watch after 5 to 6 min).
    assert.equal(requests.filter((e) => e.verb === 'list').length, 0, byVerb(requests));
    assert.ok(requests.length <= 4, byVerb(requests));
    assert.ok(memory < 256 * 2 ** 20, 'under the DaemonSet’s memory limit');
  });

  it('agent pod restarted: the new pod reads the whole node again', async () => {
    await deleteAgentPod();
    await cluster.kubectl(['-n', NS, 'rollout', 'status', 'ds/meridio-path-exporter', '--timeout=120s']);
    await completeMetrics();
    await alertsBecome([]);
    // The old pod's series went stale with its target: Prometheus holds the new pod's only.
    const exporters = await prometheus.query('count by (exporter_pod) (meridio_pod_info)');
    assert.deepEqual(
      exporters.map((x) => x.metric.exporter_pod),
      [await agentPodField('name')],
    );
  });

  it('the agent’s discovery RBAC removed: a restarted agent says forbidden, keeps serving, and recovers when it is back', async () => {
    await cluster.kubectl(['delete', 'clusterrolebinding', 'meridio-path-exporter']);
    await deleteAgentPod();
    await untilMetrics(
      (series) =>
        series.some(
          (x) =>
            x.name === 'meridio_path_exporter_discovery_failures_total' &&
            x.labels.resource === 'pods' &&
            x.labels.reason === 'forbidden' &&
            Number(x.value) > 0,
        ) && series.some((x) => x.name === 'meridio_path_exporter_discovery_synced' && x.value === '0'),
      90_000,
    );
    assert.equal((await fetch(`${await agentUrl()}/healthz`)).status, 200, 'alive: no restart loop');
    await alertsBecome(['MeridioPathExporterCannotDiscover']);
    await cluster.kubectl(['apply', '-k', 'deploy/overlays/node-local-plain']);
    await completeMetrics(120_000);
    await alertsBecome([], 180_000);
  });

  it('API server restarted: each watch lists once and resumes, no relist storm, and sees what changed', async () => {
    const lists = () =>
      cluster
        .auditEvents()
        .filter((e) => e.user.username === SA && e.verb === 'list' && e.stage === 'ResponseComplete').length;
    const before = lists();
    await cluster.restart('kube-apiserver');
    await completeMetrics();
    await alertsBecome([], 180_000);
    // The watches came back: a Vip added to attractor-a-1 now is a missing rule on conduit-a-1's proxy.
    const vip = {
      apiVersion: 'meridio.nordix.org/v1',
      kind: 'Vip',
      metadata: { name: 'vip-a-1-new', namespace: 'red', labels: { trench: 'trench-a' } },
      spec: { address: '20.0.0.9/32' },
    };
    await cluster.apply(JSON.stringify(vip));
    const patchAttractor = (op: object) =>
      cluster.kubectl([
        '-n',
        'red',
        'patch',
        'attractor',
        'attractor-a-1',
        '--type=json',
        '-p',
        JSON.stringify([op]),
      ]);
    await patchAttractor({ op: 'add', path: '/spec/vips/-', value: 'vip-a-1-new' });
    await untilMetrics((series) =>
      series.some(
        (x) =>
          x.name === 'meridio_path_link_up' &&
          x.value === '0' &&
          /^missing:vip-rule:red\/proxy-conduit-a-1-[a-z0-9]+\/20\.0\.0\.9$/.test(x.labels.to ?? ''),
      ),
    );
    await alertsBecome(['MeridioPathLinkDown']);
    await patchAttractor({ op: 'remove', path: '/spec/vips/2' });
    await cluster.kubectl(['-n', 'red', 'delete', 'vip', 'vip-a-1-new']);
    await completeMetrics();
    await alertsBecome([]);
    const relists = lists() - before;
    console.log(`API server restart: ${relists} lists by the agent (4 kinds watched)`);
    assert.ok(relists <= 4, `${relists} lists after one restart`);
  });

  it('exec mode’s pods/exec removed: every read fails with reason="forbidden", the agent keeps serving, and recovers', async () => {
    await install('exec-plain');
    await completeMetrics();
    await cluster.kubectl(['delete', '-k', 'deploy/exec-access', '--wait']);
    // Every cycle's reads fail as forbidden (VPP's state commands, on their 60 s interval, keep their
    // last result until they next run); what the pods showed is gone, not kept stale.
    await untilMetrics((series) => {
      const forbidden = (source: string) =>
        series.some(
          (x) =>
            x.name === 'meridio_path_exporter_collect_failures_total' &&
            x.labels.source === source &&
            x.labels.reason === 'forbidden' &&
            x.value !== '0',
        );
      const podReads = series.filter(
        (x) => x.name === 'meridio_path_exporter_collect_success' && x.labels.source === 'pod',
      );
      return (
        forbidden('vpp') &&
        forbidden('pod') &&
        podReads.length > 0 &&
        podReads.every((x) => x.value === '0') &&
        !series.some((x) => x.name === 'meridio_pod_interface_info')
      );
    }, 90_000);
    await alertsBecome(['MeridioPathExporterCannotRead']);
    await cluster.kubectl(['apply', '-k', 'deploy/exec-access']);
    await completeMetrics();
    await alertsBecome([]);
  });

  it('moved to another namespace by the operator’s own overlay: the agent, its RBAC and exec-access follow', async () => {
    await cluster.kubectl(['delete', '-k', 'deploy/overlays/exec-plain', '--wait']);
    const moved = 'observability';
    const agentDir = ownKustomization('moved', {
      namespace: moved,
      resources: ['../overlays/exec-plain'],
      components: ['../components/network-policy'],
    });
    const accessDir = ownKustomization('moved-access', {
      resources: ['../exec-access'],
      patches: [
        {
          target: { kind: 'RoleBinding' },
          patch: `[{ "op": "replace", "path": "/subjects/0/namespace", "value": "${moved}" }]`,
        },
      ],
    });
    try {
      await cluster.kubectl(['apply', '-k', agentDir]);
      await cluster.kubectl(['apply', '-k', accessDir]);
      await cluster.kubectl(['-n', moved, 'rollout', 'status', 'ds/meridio-path-exporter', '--timeout=180s']);
      await completeMetrics(90_000, moved);
      const policy = await cluster.kubectl([
        '-n',
        moved,
        'get',
        'networkpolicy',
        'meridio-path-exporter',
        '-o',
        'name',
      ]);
      assert.match(policy, /networkpolicy/);
      await cluster.kubectl(['delete', '-k', agentDir, '--wait']);
      await cluster.kubectl(['apply', '-k', 'deploy/exec-access']);
    } finally {
      rmSync(agentDir, { recursive: true, force: true });
      rmSync(accessDir, { recursive: true, force: true });
    }
  });

  it('a proxy deleted and made anew by its DaemonSet (new UID and namespace): the old pod leaves /metrics, the new one is read whole once NSM connects it', async () => {
    await install('node-local-plain');
    await completeMetrics();
    const [old] = await wiring.pods('red', 'app=proxy-conduit-b-1');
    assert.ok(old);
    await cluster.kubectl(['-n', 'red', 'delete', 'pod', old.name, '--wait']);
    await cluster.kubectl(['-n', 'red', 'rollout', 'status', 'ds/proxy-conduit-b-1', '--timeout=120s']);
    const mentionsOld = (series: Series[]) =>
      series.some((x) => Object.values(x.labels).some((v) => v.includes(old.name)));
    // Before NSM connects it, the new proxy is read and the conduit's path is broken: shown, not hidden.
    await untilMetrics(
      (series) =>
        !mentionsOld(series) &&
        series.some(
          (x) =>
            x.name === 'meridio_pod_info' && x.labels.conduit === 'conduit-b-1' && x.labels.role === 'proxy',
        ) &&
        series.some((x) => x.name === 'meridio_path_link_up' && x.value === '0'),
    );
    // Its bridge is not there yet either, so trench-b has no FDB on the node to miss its target in:
    // the path links say what is broken.
    await alertsBecome(['MeridioPathLinkDown']);
    await wiring.rewireProxy('conduit-b-1');
    assert.equal(mentionsOld(await completeMetrics()), false);
    await alertsBecome([]);
    assert.deepEqual(await seriesNaming('pod', old.name), []);
  });

  it('forwarder-vpp restarted: the agent finds the new VPP, shows it empty, and reads it whole once NSM rebuilds it', async () => {
    const [old] = await wiring.pods('nsm-system', 'app=forwarder-vpp');
    assert.ok(old);
    await cluster.kubectl(['-n', 'nsm-system', 'delete', 'pod', old.name, '--wait']);
    await cluster.kubectl(['-n', 'nsm-system', 'rollout', 'status', 'ds/forwarder-vpp', '--timeout=120s']);
    await untilMetrics((series) => {
      const reads = series.filter(
        (x) => x.name === 'meridio_path_exporter_collect_success' && x.labels.source === 'vpp',
      );
      return (
        reads.length > 0 &&
        reads.every((x) => x.labels.forwarder !== old.name && x.value === '1') &&
        !series.some((x) => x.name === 'vpp_interface_info' && x.labels.interface?.startsWith('host-'))
      );
    });
    // Nothing is claimed down meanwhile: the new VPP has no cross-connect to be down yet, and the old
    // VPP's links belong to a forwarder that is gone (a path not rebuilt has no alert of its own yet).
    await alertsBecome([]);
    await wiring.rewireVpp();
    const series = await completeMetrics();
    assert.equal(
      series.some((x) => x.labels.forwarder === old.name),
      false,
    );
    await alertsBecome([]);
    assert.deepEqual(await seriesNaming('forwarder', old.name), []);
  });

  it('Meridio’s CRDs absent: nothing is expected, nothing fails, every pod is still read', async () => {
    await cluster.kubectl(['delete', '-f', MERIDIO_CRDS, '--wait']);
    await untilMetrics(
      (series) => !series.some((x) => x.name === 'meridio_path_link_up' && x.labels.from?.startsWith('vip:')),
    );
    await completeMetrics();
    await alertsBecome([]);
  });
});

/** The agent pod's cgroups (v1, the kubelet's cgroupfs driver): memory and cpuacct directories. */
function podCgroup(cgroupRoot: string, uid: string): { memory: string; cpuacct: string } {
  const find = (controller: string): string => {
    const root = `/sys/fs/cgroup/${controller}/${cgroupRoot}/kubepods`;
    for (const qos of ['', 'burstable', 'besteffort']) {
      const dir = join(root, qos, `pod${uid}`);
      if (existsSync(dir)) return dir;
    }
    throw new Error(`no ${controller} cgroup for pod ${uid}`);
  };
  return { memory: find('memory'), cpuacct: find('cpuacct') };
}

/** A kustomization of the operator's own inside deploy/ (kustomize resolves only relative paths). */
function ownKustomization(name: string, body: Record<string, unknown>): string {
  const dir = join('deploy', `.test-${name}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'kustomization.yaml'),
    YAML.stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', ...body }),
  );
  return dir;
}

/** The README's plain-Prometheus scrape job, as an operator copies it. */
function readmeScrapeJob(): Record<string, unknown> {
  const blocks = [...readFileSync(README, 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map(
    (m) => m[1] as string,
  );
  const block = blocks.find(
    (b) => b.includes('job_name: meridio-path-exporter') && b.includes('kubernetes_sd_configs'),
  );
  assert.ok(block, 'the README has the plain-Prometheus job');
  const [job] = YAML.parse(block) as Record<string, unknown>[];
  assert.ok(job);
  return job;
}
