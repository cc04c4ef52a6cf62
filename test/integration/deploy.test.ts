import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { DaemonSet } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { parseAllDocuments, stringify } from 'yaml';
import { RULE_GROUPS } from '../../grafana/src/alert-rules.ts';
import { RUNBOOK_CONFIGMAP } from '../../grafana/src/generate.ts';
import { parseCli } from '../../src/config/config.ts';
import { requireTool } from '../support/tools.ts';

// Rendered with the real kubectl kustomize and checked against the Kubernetes (and Prometheus
// Operator) JSON schemas of kubernetes-models, then against what the agent actually needs.

type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
} & Record<string, unknown>;

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/DaemonSet': DaemonSet,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

function render(overlay: string): K8sObject[] {
  return renderDir(`deploy/overlays/${overlay}`);
}

function renderDir(dir: string): K8sObject[] {
  const kubectl = requireTool('kubectl');
  const version = execFileSync(kubectl, ['version', '--client'], { encoding: 'utf8' });
  const kustomize = /Kustomize Version: v(\d+)/.exec(version)?.[1];
  assert.ok(Number(kustomize) >= 4, `kubectl's kustomize must be v4 or later (found: ${version.trim()})`);
  const out = execFileSync(kubectl, ['kustomize', dir], { encoding: 'utf8' });
  return parseAllDocuments(out).map((d) => d.toJS() as K8sObject);
}

/**
 * An overlay plus optional components, as an operator's own kustomization would combine them, moved to
 * `namespace` when given.
 */
function renderWith(
  overlay: string,
  components: string[],
  namespace?: string,
  more: Record<string, unknown> = {},
): K8sObject[] {
  // kustomize takes only relative paths, so the combination lives inside deploy/ while it renders.
  const dir = mkdtempSync(join('deploy', '.test-'));
  try {
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        ...(namespace && { namespace }),
        resources: [`../overlays/${overlay}`],
        components: components.map((c) => `../components/${c}`),
        ...more,
      }),
    );
    return renderDir(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function schemaCheck(o: K8sObject): void {
  const Model = MODELS[`${o.apiVersion}/${o.kind}`];
  assert.ok(Model, `no schema known for ${o.apiVersion} ${o.kind}: add it to the test`);
  new Model(o as never).validate();
}

const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
/** The objects that live in a namespace (the rest of an install is cluster-scoped). */
const namespacedOf = (objects: K8sObject[]) =>
  objects.filter((o) => !['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind));

interface Container {
  name: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  ports?: { containerPort: number }[];
  securityContext?: Record<string, unknown> & { capabilities?: { add?: string[]; drop?: string[] } };
}
interface PodSpec {
  hostPID?: boolean;
  hostNetwork?: boolean;
  securityContext?: Record<string, unknown>;
  containers: Container[];
}

function daemonSet(objects: K8sObject[]): PodSpec {
  const [ds] = byKind(objects, 'DaemonSet') as unknown as { spec: { template: { spec: PodSpec } } }[];
  assert.ok(ds);
  return ds.spec.template.spec;
}

/** The configuration the agent would start with in this DaemonSet (NODE_NAME as the downward API sets it). */
function agentConfig(spec: PodSpec) {
  const c = spec.containers[0] as Container;
  const env: Record<string, string> = { NODE_NAME: 'worker-a' };
  for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  const r = parseCli(c.args ?? [], env);
  assert.equal(r.kind, 'run');
  return r.kind === 'run' ? r.config : assert.fail();
}

// Discovery lists and watches; it never reads one object by name, so no `get`.
const DISCOVERY_RULES = [
  { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
  { apiGroups: [''], resources: ['nodes'], verbs: ['list', 'watch'] },
  { apiGroups: ['meridio.nordix.org'], resources: ['vips', 'attractors'], verbs: ['list', 'watch'] },
];
const OVERLAYS = ['node-local', 'exec', 'node-local-plain', 'exec-plain'];
const namespaceLabels = (objects: K8sObject[]) =>
  (byKind(objects, 'Namespace')[0]?.metadata as { labels?: Record<string, string> } | undefined)?.labels ??
  {};

describe('deploy/ manifests', () => {
  const work = mkdtempSync(join(tmpdir(), 'mpe-deploy-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  for (const overlay of OVERLAYS) {
    it(`${overlay}: renders and every object validates against its schema`, () => {
      const objects = render(overlay);
      assert.ok(objects.length >= 8);
      for (const o of objects) schemaCheck(o);
    });
  }

  it('the schema check can fail: a malformed DaemonSet is rejected', () => {
    const broken = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'x' },
      spec: { selector: {}, template: { spec: { containers: 'exporter' } } },
    } as unknown as K8sObject;
    assert.throws(() => schemaCheck(broken), /containers must be array/);
  });

  it('node-local: hostPID, root with exactly SYS_ADMIN and SYS_PTRACE, no hostNetwork, discovery RBAC only', () => {
    const objects = render('node-local');
    const spec = daemonSet(objects);
    const c = spec.containers[0] as Container;
    assert.equal(spec.hostPID, true);
    assert.notEqual(spec.hostNetwork, true);
    assert.deepEqual(c.securityContext?.capabilities, { drop: ['ALL'], add: ['SYS_ADMIN', 'SYS_PTRACE'] });
    assert.equal(c.securityContext?.privileged, false);
    assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
    assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
    assert.equal(agentConfig(spec).cluster?.mode, 'node-local');
    assert.deepEqual(
      byKind(objects, 'ClusterRole').map((r) => r.rules),
      [DISCOVERY_RULES],
    );
    assert.deepEqual(byKind(objects, 'Role'), [], 'node-local needs no pods/exec');
  });

  it('exec: unprivileged (no hostPID, non-root, every capability dropped) with pods/exec only in the listed namespaces', () => {
    const objects = render('exec');
    const spec = daemonSet(objects);
    const c = spec.containers[0] as Container;
    assert.notEqual(spec.hostPID, true);
    assert.notEqual(spec.hostNetwork, true);
    assert.equal(spec.securityContext?.runAsNonRoot, true);
    assert.notEqual(spec.securityContext?.runAsUser, 0);
    assert.deepEqual(c.securityContext?.capabilities, { drop: ['ALL'] });
    assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
    assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
    assert.equal(agentConfig(spec).cluster?.mode, 'exec');
    assert.deepEqual(
      byKind(objects, 'ClusterRole').map((r) => r.rules),
      [DISCOVERY_RULES],
    );
    assert.deepEqual(byKind(objects, 'Role'), [], 'pods/exec comes from deploy/exec-access');
    const access = renderDir('deploy/exec-access');
    for (const o of access) schemaCheck(o);
    const roles = byKind(access, 'Role');
    assert.deepEqual(roles.map((r) => r.metadata.namespace).sort(), ['nsm-system', 'red']);
    for (const r of roles) {
      assert.deepEqual(r.rules, [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] }]);
    }
    for (const b of [...byKind(access, 'RoleBinding'), ...byKind(objects, 'ClusterRoleBinding')]) {
      assert.deepEqual(b.subjects, [
        { kind: 'ServiceAccount', name: 'meridio-path-exporter', namespace: 'meridio-path-exporter' },
      ]);
    }
  });

  it('every namespaced object of every overlay is in the install’s namespace (none lands in kubectl’s current one)', () => {
    for (const overlay of OVERLAYS) {
      for (const o of namespacedOf(render(overlay)))
        assert.equal(o.metadata.namespace, 'meridio-path-exporter', `${overlay}: ${o.kind}`);
    }
  });

  it('moved to another namespace by an overlay’s `namespace:`: every namespaced object, the RBAC subject and the NetworkPolicy follow', () => {
    for (const overlay of OVERLAYS) {
      const objects = renderWith(overlay, ['network-policy'], 'observability');
      assert.deepEqual(
        [...new Set(namespacedOf(objects).map((o) => o.metadata.namespace))],
        ['observability'],
        overlay,
      );
      assert.deepEqual(
        byKind(objects, 'Namespace').map((n) => n.metadata.name),
        ['observability'],
      );
      for (const b of byKind(objects, 'ClusterRoleBinding')) {
        assert.deepEqual(b.subjects, [
          { kind: 'ServiceAccount', name: 'meridio-path-exporter', namespace: 'observability' },
        ]);
      }
      assert.equal(byKind(objects, 'NetworkPolicy').length, 1);
    }
  });

  it('all: NODE_NAME from the downward API, probes on /readyz and /healthz, port 9847 (not 8081/6060), limits set', () => {
    for (const overlay of OVERLAYS) {
      const spec = daemonSet(render(overlay));
      const c = spec.containers[0] as Container & Record<string, unknown>;
      const nodeName = (c.env as { name: string; valueFrom?: { fieldRef?: { fieldPath?: string } } }[]).find(
        (e) => e.name === 'NODE_NAME',
      );
      assert.equal(nodeName?.valueFrom?.fieldRef?.fieldPath, 'spec.nodeName');
      assert.equal((c.readinessProbe as { httpGet: { path: string } }).httpGet.path, '/readyz');
      assert.equal((c.livenessProbe as { httpGet: { path: string } }).httpGet.path, '/healthz');
      assert.deepEqual(
        c.ports?.map((p) => p.containerPort),
        [9847],
      );
      const resources = c.resources as { requests: Record<string, string>; limits: Record<string, string> };
      assert.ok(resources.requests.memory && resources.limits.memory && resources.requests.cpu);
      const config = agentConfig(spec);
      assert.equal(config.listen.port, 9847);
      assert.equal(config.node, 'worker-a');
    }
  });

  it('optional NetworkPolicy: only the monitoring namespace reaches the agents’ metrics port', () => {
    for (const overlay of OVERLAYS) {
      const objects = renderWith(overlay, ['network-policy']);
      for (const o of objects) schemaCheck(o);
      const [policy] = byKind(objects, 'NetworkPolicy') as unknown as {
        metadata: { namespace: string };
        spec: {
          podSelector: { matchLabels: Record<string, string> };
          policyTypes: string[];
          ingress: {
            from: { namespaceSelector: { matchLabels: Record<string, string> } }[];
            ports: { port: string }[];
          }[];
        };
      }[];
      assert.ok(policy, overlay);
      assert.equal(policy.metadata.namespace, 'meridio-path-exporter');
      const pod = (
        byKind(objects, 'DaemonSet')[0] as unknown as {
          spec: { template: { metadata: { labels: Record<string, string> } } };
        }
      ).spec.template.metadata.labels;
      for (const [k, v] of Object.entries(policy.spec.podSelector.matchLabels)) assert.equal(pod[k], v);
      assert.deepEqual(policy.spec.policyTypes, ['Ingress']);
      assert.equal(policy.spec.ingress.length, 1);
      assert.deepEqual(policy.spec.ingress[0]?.from, [
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
      ]);
      const portName = policy.spec.ingress[0]?.ports[0]?.port;
      assert.ok(
        daemonSet(objects).containers[0]?.ports?.some((p) => (p as { name?: string }).name === portName),
      );
    }
  });

  it('optional web configuration: the Secret mounted read-only, the agent pointed at it, probes over HTTPS', () => {
    for (const overlay of OVERLAYS) {
      const objects = renderWith(overlay, ['web-config']);
      for (const o of objects) schemaCheck(o);
      const spec = daemonSet(objects) as PodSpec & {
        volumes?: { name: string; secret?: { secretName: string } }[];
      };
      const c = spec.containers[0] as Container & {
        volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
        readinessProbe: { httpGet: { scheme?: string } };
        livenessProbe: { httpGet: { scheme?: string } };
      };
      assert.equal(
        spec.volumes?.find((v) => v.name === 'web-config')?.secret?.secretName,
        'meridio-path-exporter-web-config',
      );
      const mount = c.volumeMounts?.find((m) => m.name === 'web-config');
      assert.equal(mount?.readOnly, true);
      const config = agentConfig(spec);
      assert.equal(config.webConfigFile, `${mount?.mountPath}/web.yml`);
      assert.equal(c.readinessProbe.httpGet.scheme, 'HTTPS');
      assert.equal(c.livenessProbe.httpGet.scheme, 'HTTPS');
      // The overlay's own settings survive the patch.
      assert.equal(config.listen.port, 9847);
    }
  });

  it('Pod Security: node-local needs privileged (hostPID, two capabilities), exec runs under restricted', () => {
    for (const overlay of ['node-local', 'node-local-plain']) {
      assert.equal(
        namespaceLabels(render(overlay))['pod-security.kubernetes.io/enforce'],
        'privileged',
        overlay,
      );
    }
    for (const overlay of ['exec', 'exec-plain']) {
      const objects = render(overlay);
      assert.equal(namespaceLabels(objects)['pod-security.kubernetes.io/enforce'], 'restricted', overlay);
      // What restricted asks of a pod, checked on the rendered DaemonSet.
      const spec = daemonSet(objects);
      const c = spec.containers[0] as Container;
      assert.equal(spec.securityContext?.runAsNonRoot, true);
      assert.deepEqual(
        (spec.securityContext?.seccompProfile as { type?: string } | undefined)?.type ??
          (c.securityContext?.seccompProfile as { type?: string } | undefined)?.type,
        'RuntimeDefault',
      );
      assert.deepEqual(c.securityContext?.capabilities, { drop: ['ALL'] });
      assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
      assert.notEqual(spec.hostPID, true);
    }
    for (const overlay of OVERLAYS) {
      assert.equal(
        namespaceLabels(render(overlay))['app.kubernetes.io/name'],
        'meridio-path-exporter',
        overlay,
      );
    }
  });

  it('plain overlays need no Prometheus Operator: scrape annotations, and the rules as a ConfigMap', () => {
    for (const overlay of ['node-local-plain', 'exec-plain']) {
      const objects = render(overlay);
      assert.deepEqual(
        objects.filter((o) => o.apiVersion.startsWith('monitoring.coreos.com/')),
        [],
        'no CRD objects',
      );
      const [ds] = byKind(objects, 'DaemonSet') as unknown as {
        spec: { template: { metadata: { annotations?: Record<string, string> } } };
      }[];
      assert.deepEqual(ds?.spec.template.metadata.annotations, {
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '9847',
        'prometheus.io/path': '/metrics',
      });
      const rules = byKind(objects, 'ConfigMap').find(
        (c) => c.metadata.name === 'meridio-path-exporter-rules',
      ) as { data: Record<string, string> } | undefined;
      const file = join(work, `${overlay}.rules.yml`);
      writeFileSync(file, rules?.data['meridio-path-exporter.rules.yml'] ?? '');
      const out = execFileSync(requireTool('promtool'), ['check', 'rules', file], { encoding: 'utf8' });
      assert.match(out, new RegExp(`SUCCESS: ${RULE_GROUPS.flatMap((g) => g.rules).length} rules found`));
    }
    for (const overlay of ['node-local', 'exec']) {
      assert.equal(byKind(render(overlay), 'ServiceMonitor').length, 1, overlay);
    }
  });

  it('ServiceMonitor keeps our pod/namespace labels and renames the agent pod’s own', () => {
    const [sm] = byKind(render('node-local'), 'ServiceMonitor') as unknown as {
      spec: {
        endpoints: {
          honorLabels: boolean;
          relabelings: { action?: string; regex?: string; targetLabel?: string }[];
        }[];
      };
    }[];
    const ep = sm?.spec.endpoints[0];
    assert.equal(ep?.honorLabels, true);
    assert.ok(ep?.relabelings.some((r) => r.targetLabel === 'exporter_pod'));
    const drop = ep?.relabelings.find((r) => r.action === 'labeldrop');
    const dropped = new RegExp(`^(?:${drop?.regex})$`);
    for (const l of ['pod', 'namespace', 'container']) assert.match(l, dropped);
    assert.doesNotMatch('node', dropped);
  });

  it('PrometheusRule groups pass promtool check rules', () => {
    const [rule] = byKind(render('node-local'), 'PrometheusRule') as unknown as { spec: unknown }[];
    const file = join(work, 'rules.yml');
    writeFileSync(file, stringify(rule?.spec));
    const out = execFileSync(requireTool('promtool'), ['check', 'rules', file], { encoding: 'utf8' });
    assert.match(out, new RegExp(`SUCCESS: ${RULE_GROUPS.flatMap((g) => g.rules).length} rules found`));
  });

  it('ships the dashboards in a ConfigMap labelled for the Grafana sidecar, identical to grafana/dashboards', () => {
    const [cm] = byKind(render('node-local'), 'ConfigMap').filter((c) =>
      c.metadata.name.endsWith('dashboards'),
    ) as unknown as {
      metadata: { labels: Record<string, string> };
      data: Record<string, string>;
    }[];
    assert.equal(cm?.metadata.labels.grafana_dashboard, '1');
    const files = readdirSync('grafana/dashboards').sort();
    assert.deepEqual(Object.keys(cm?.data ?? {}).sort(), files);
    for (const f of files) assert.equal(cm?.data[f], readFileSync(`grafana/dashboards/${f}`, 'utf8'), f);
  });

  it('Dockerfile: lints clean, multi-stage on Node 24, non-root user, exposes the port, OCI labels', () => {
    const text = readFileSync('Dockerfile', 'utf8');
    assert.deepEqual(lintDockerfile(text), []);
    const froms = text.match(/^FROM \S+/gm) ?? [];
    assert.ok(froms.length >= 2, 'multi-stage');
    for (const f of froms) assert.match(f, /^FROM node:24[-.]/);
    assert.match(text, /^USER 65532:65532$/m);
    assert.match(text, /^EXPOSE 9847$/m);
    assert.match(text, /npm prune --omit=dev|npm ci --omit=dev/);
  });

  it("the installed command runs with the image's memory settings, as the image does", () => {
    const docker = readFileSync('Dockerfile', 'utf8');
    const env = /^ENV (MALLOC_MMAP_THRESHOLD_=\d+)$/m.exec(docker)?.[1];
    const flags = /^ENTRYPOINT \["node", (.*), "dist\/main\.js"\]$/m.exec(docker)?.[1];
    assert.ok(env && flags, 'the Dockerfile sets the glibc threshold and node flags');
    const shebang = readFileSync('src/main.ts', 'utf8').split('\n')[0];
    const nodeFlags = (JSON.parse(`[${flags}]`) as string[]).join(' ');
    assert.equal(shebang, `#!/usr/bin/env -S ${env} node ${nodeFlags}`);
  });
});

describe('runbook links set at install (deploy/components/runbook-url)', () => {
  const url = 'https://wiki.example.com/meridio-path-exporter/runbook.md';
  const withUrl = {
    configMapGenerator: [
      {
        name: RUNBOOK_CONFIGMAP,
        literals: [`url=${url}`],
        options: {
          disableNameSuffixHash: true,
          annotations: { 'config.kubernetes.io/local-config': 'true' },
        },
      },
    ],
  };

  for (const overlay of ['node-local', 'exec']) {
    it(`${overlay}: every alert of the PrometheusRule links to its section of the overlay's URL`, () => {
      const objects = renderWith(overlay, ['runbook-url'], undefined, withUrl);
      const [rule] = byKind(objects, 'PrometheusRule') as unknown as {
        spec: { groups: { rules: { alert: string; annotations: { runbook_url?: string } }[] }[] };
      }[];
      assert.ok(rule);
      const links = rule.spec.groups.flatMap((g) =>
        g.rules.map((r) => `${r.alert} ${r.annotations.runbook_url}`),
      );
      const want = RULE_GROUPS.flatMap((g) => g.rules.map((r) => `${r.alert} ${url}#${r.runbook}`));
      assert.deepEqual(links, want);
      // The URL's ConfigMap is kustomize's input only, not applied to the cluster.
      assert.equal(
        objects.some((o) => o.kind === 'ConfigMap' && o.metadata.name === RUNBOOK_CONFIGMAP),
        false,
      );
    });
  }

  it('without the URL, kustomize refuses and names what is missing', () => {
    assert.throws(() => renderWith('node-local', ['runbook-url']), new RegExp(RUNBOOK_CONFIGMAP));
  });

  it('without the component, the alerts link nowhere', () => {
    const [rule] = byKind(renderWith('node-local', []), 'PrometheusRule');
    assert.doesNotMatch(JSON.stringify(rule), /runbook_url/);
  });
});
