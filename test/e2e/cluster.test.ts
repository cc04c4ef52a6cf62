import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import { KubeCluster, kubeClusterOrSkip, NODE_NAME } from '../support/kube-cluster.ts';
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

  before(async () => {
    const started = Date.now();
    await cluster.start();
    await cluster.kubectl(['apply', '-f', MERIDIO_CRDS, '-f', MONITORING_CRDS]);
    await cluster.kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    await cluster.apply(topologyManifests());
    await cluster.kubectl(['wait', '--for=condition=Ready', 'pods', '--all', '-A', '--timeout=180s']);
    wiring = new MeridioWiring(cluster);
    await wiring.wire();
    console.log(`cluster, topology and wiring ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  after(async () => {
    await cluster.stop();
  });

  /** Applies an overlay as the README says and waits for the agent's rollout. */
  async function install(overlay: string): Promise<void> {
    await cluster.kubectl(['apply', '-k', `deploy/overlays/${overlay}`]);
    await cluster.kubectl(['-n', NS, 'rollout', 'status', 'ds/meridio-path-exporter', '--timeout=180s']);
  }

  async function agentUrl(): Promise<string> {
    const pods = JSON.parse(await cluster.kubectl(['-n', NS, 'get', 'pods', '-o', 'json'])) as {
      items: { status: { podIP?: string; phase: string }; metadata: { deletionTimestamp?: string } }[];
    };
    const ready = pods.items.filter((p) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp);
    assert.equal(ready.length, 1, 'one agent on the one node');
    return `http://${ready[0]?.status.podIP}:9847`;
  }

  /** The agent's /metrics once it is complete: every command read, every Meridio pod and VPP link seen. */
  async function completeMetrics(timeoutMs = 90_000): Promise<Series[]> {
    const deadline = Date.now() + timeoutMs;
    let problem = 'no answer';
    while (Date.now() < deadline) {
      try {
        const series = parseExposition(await (await fetch(`${await agentUrl()}/metrics`)).text());
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
   * rate) and VPP's own network namespace, whose veths name the pod interface behind each af_packet
   * interface (`tap-peer` links). What only exec mode reads: `show errors` (the segment has the errors).
   */
  const ONLY_NODE_LOCAL =
    /^(vpp_buffer_pool_|vpp_memory_heap_|vpp_input_rate_|meridio_path_link_(info|up)\{"node":"[^"]*","type":"tap-peer","from":"vpp:host-|meridio_path_exporter_collect_success\{"forwarder":"[^"]*","namespace":"","pod":"","command":"(stats segment|ip -json -stats -details link show)"|meridio_path_exporter_source_info)/;
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
    assert.ok(
      onlyNodeLocal.some((x) => x.includes('"type":"tap-peer"')),
      'node-local names the af_packet peers',
    );
    assert.deepEqual(
      {
        onlyNodeLocal: onlyNodeLocal.filter((x) => !ONLY_NODE_LOCAL.test(x)),
        onlyExec: onlyExec.filter((x) => !ONLY_EXEC.test(x)),
      },
      { onlyNodeLocal: [], onlyExec: [] },
    );
    assert.ok(a.length - onlyNodeLocal.length > 500, `${a.length - onlyNodeLocal.length} series in common`);
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
    const readmeJob = readmeScrapeJob();
    // This Prometheus runs beside the cluster, not in it: the one line the README's in-cluster job lacks.
    const [sd] = readmeJob.kubernetes_sd_configs as Record<string, unknown>[];
    assert.ok(sd);
    sd.kubeconfig_file = cluster.kubeconfig;
    // Debian's Prometheus (2.42) is built without Kubernetes service discovery: Prometheus 3 from the
    // Go module proxy (scripts/test-cluster-parts.sh), as kube-prometheus-stack ships it.
    const prometheus = new TestPrometheus(builtTool('prometheus'));
    await prometheus.start(
      [],
      undefined,
      [RULES],
      YAML.stringify([readmeJob])
        .split('\n')
        .map((l) => `  ${l}`),
    );
    try {
      const up = await prometheus.queryUntil('up{job="meridio-path-exporter"} == 1', 1, 60_000);
      assert.match(up[0]?.metric.exporter_pod ?? '', /^meridio-path-exporter-/);
      await prometheus.queryUntil('count(meridio_pod_info) >= 8', 1, 30_000);
      // Several evaluations over the healthy node: no rule's expression matches (pending counts too).
      await new Promise((r) => setTimeout(r, 10_000));
      assert.deepEqual(await prometheus.query('ALERTS'), []);
    } finally {
      await prometheus.stop();
    }
  });
});

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
