import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { type ContainerNames, DEFAULT_CONTAINER_NAMES, type MeridioRole, ROLES } from '../discovery/roles.ts';
import { isNetnsPath } from '../sources/netns.ts';
import type { PodTarget } from '../sources/pod-source.ts';
import { isKubernetesName } from '../util/kubernetes-name.ts';
import { PACKAGE_ROOT } from '../util/package-info.ts';
import { DEMO_NAMES, SETTINGS, type SettingDef, type SettingValues, VALUE_SETTINGS } from './settings.ts';

export type SourceConfig =
  | { kind: 'replay'; dir: string; demo?: (typeof DEMO_NAMES)[number] }
  | { kind: 'vpp-cli-socket'; socketPath: string }
  /** VPP is not read: only Meridio pods (`--netns.pods` alone). */
  | { kind: 'none' }
  /** The node's forwarder, found by discovery (`--kube.mode`). */
  | { kind: 'cluster' };

/** Where the Meridio pods are read from. */
export type PodsConfig =
  | { kind: 'replay'; dir: string }
  | { kind: 'netns'; pods: PodTarget[] }
  | { kind: 'cluster' }
  | { kind: 'none' };

/** Running in the cluster (`--kube.mode`): how to reach the API server and read the pods. */
export interface ClusterConfig {
  mode: 'node-local' | 'exec';
  /** Absent: the pod's service account. */
  kubeconfig?: string;
  containerNames: ContainerNames;
}

/**
 * The configuration: the values that are one setting each (their types come from their settings'
 * readers in SETTINGS), and what the source settings choose together.
 */
export type Config = SettingValues & {
  source: SourceConfig;
  pods: PodsConfig;
  cluster?: ClusterConfig;
  /** Node addresses → node names from a recording's replay.json (cluster mode asks the API). */
  nodeByAddress?: ReadonlyMap<string, string>;
  node: string;
  forwarder: string;
  /** Settings given that no longer do anything: logged as warnings at start. */
  ignored: string[];
};

/**
 * The time one cycle may take: a tenth of the interval is left so that a slow cycle ends before the
 * next tick is due. Commands still to run when it is spent fail with `timeout`.
 */
export function cycleBudgetMs(config: Pick<Config, 'intervalSeconds'>): number {
  return config.intervalSeconds * 900;
}

export type CliRequest = { kind: 'run'; config: Config } | { kind: 'help' } | { kind: 'version' };

/** Every problem found, each naming the setting; the exporter refuses to start with any. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export const DEMO_ROOT = join(PACKAGE_ROOT, 'demo');

/** Optional `replay.json` in a recording: the node and forwarder it was recorded on. */
interface ReplayMeta {
  node?: string;
  forwarder?: string;
  /** Node name → its addresses, so tunnels get `remote_node` offline too. */
  nodes?: Record<string, string[]>;
}

/** Parse flags (`--name=value` or `--name value`) and `MPE_*` environment variables; flags win. */
export function parseCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CliRequest {
  const problems: string[] = [];
  const flags = new Map<string, string>();
  const byFlag = new Map(SETTINGS.map((s) => [s.flag, s]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--version') return { kind: 'version' };
    const m = /^--([a-z][a-z0-9.-]*)(?:=(.*))?$/s.exec(arg);
    if (!m) {
      problems.push(`unexpected argument ${JSON.stringify(arg)}: settings are given as --name=value`);
      continue;
    }
    const name = m[1] as string;
    if (!byFlag.has(name)) {
      problems.push(`unknown flag --${name} (see --help)`);
      continue;
    }
    let value = m[2];
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) {
        problems.push(`--${name} needs a value`);
        continue;
      }
      value = next;
      i++;
    }
    if (flags.has(name)) problems.push(`--${name} is given twice`);
    flags.set(name, value);
  }
  const raw = (s: SettingDef): { value: string; from: string } | undefined => {
    const f = flags.get(s.flag);
    if (f !== undefined) return { value: f, from: `--${s.flag}` };
    const e = env[s.env];
    if (e !== undefined && e !== '') return { value: e, from: `${s.env} (environment)` };
    return undefined;
  };
  const get: Getter = (flag) => raw(byFlag.get(flag) as SettingDef);
  const config = buildConfig(get, env, problems);
  if (problems.length > 0 || !config) throw new ConfigError(problems);
  return { kind: 'run', config };
}

type Flag = (typeof SETTINGS)[number]['flag'];
type Getter = (flag: Flag) => { value: string; from: string } | undefined;

/** Every setting that is one value, read by its own reader: those read, each wrong one a problem. */
function readValues(get: Getter, problems: string[]): Partial<SettingValues> {
  const values: Record<string, unknown> = {};
  for (const s of VALUE_SETTINGS) {
    const read = s.read(get(s.flag as Flag)?.value);
    if ('problem' in read) problems.push(`${from(get, s.flag as Flag)}: ${read.problem}`);
    else values[s.key] = read.value;
  }
  // Each key and its type come from SETTINGS (SettingValues is derived from them).
  return values as Partial<SettingValues>;
}

function buildConfig(
  get: Getter,
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
): Config | undefined {
  const values = readValues(get, problems);
  const netnsPods = parseNetnsPods(get('netns.pods'), problems);
  const cluster = parseCluster(get, env, problems);
  const source = cluster ? clusterSource(get, problems) : parseSource(get, problems, netnsPods !== undefined);
  // Each check runs when its own values were read, so one start reports every problem.
  const { intervalSeconds, stateIntervalMs, commandTimeoutMs } = values;
  if (
    intervalSeconds !== undefined &&
    stateIntervalMs !== undefined &&
    stateIntervalMs < intervalSeconds * 1000
  ) {
    problems.push(`${from(get, 'collect.state-interval')}: must not be shorter than --collect.interval`);
  }
  if (
    intervalSeconds !== undefined &&
    commandTimeoutMs !== undefined &&
    commandTimeoutMs >= intervalSeconds * 1000
  ) {
    problems.push(`${from(get, 'collect.command-timeout')}: must be shorter than --collect.interval`);
  }
  const meta = source?.kind === 'replay' ? readReplayMeta(source.dir, problems) : {};
  const node = get('node')?.value ?? (env.NODE_NAME || meta.node || hostname());
  if (cluster && !get('node') && !env.NODE_NAME) {
    problems.push(
      '--kube.mode: the node to read must be given with --node or NODE_NAME (the DaemonSet sets it from spec.nodeName)',
    );
  }
  if (cluster && !isKubernetesName(node)) {
    problems.push(`--node=${JSON.stringify(node)}: not a Kubernetes node name`);
  }
  const forwarder = get('forwarder')?.value ?? meta.forwarder ?? '';
  if (problems.length > 0 || !source) return undefined;
  const pods: PodsConfig = cluster
    ? { kind: 'cluster' }
    : netnsPods
      ? { kind: 'netns', pods: netnsPods }
      : source.kind === 'replay'
        ? { kind: 'replay', dir: source.dir }
        : { kind: 'none' };
  // No problem: every value setting was read.
  const config: Config = { ...(values as SettingValues), source, pods, node, forwarder, ignored: [] };
  const thread = get('collect.thread');
  if (thread) {
    config.ignored.push(
      `${thread.from}: ignored; collection runs on the serving thread (remove the setting)`,
    );
  }
  if (cluster) config.cluster = cluster;
  if (meta.nodes) config.nodeByAddress = addressBook(meta.nodes);
  return config;
}

function parseCluster(
  get: Getter,
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
): ClusterConfig | undefined {
  const mode = get('kube.mode');
  const names = get('kube.container-names');
  const kubeconfigSetting = get('kubeconfig');
  if (!mode) {
    for (const v of [names, kubeconfigSetting]) {
      if (v) problems.push(`${v.from}: only used with --kube.mode`);
    }
    return undefined;
  }
  if (mode.value !== 'node-local' && mode.value !== 'exec') {
    problems.push(`${mode.from}=${JSON.stringify(mode.value)}: must be one of node-local, exec`);
    return undefined;
  }
  const kubeconfig = kubeconfigSetting?.value ?? (env.KUBECONFIG || undefined);
  if (kubeconfig !== undefined && !existsSync(kubeconfig)) {
    problems.push(
      `${kubeconfigSetting?.from ?? 'KUBECONFIG (environment)'}=${JSON.stringify(kubeconfig)}: no such file`,
    );
  }
  const containerNames = parseContainerNames(names, problems);
  const config: ClusterConfig = { mode: mode.value, containerNames };
  if (kubeconfig !== undefined) config.kubeconfig = kubeconfig;
  return config;
}

/** `forwarder=forwarder-vpp,proxy=proxy|my-proxy`: replaces the default names of the roles given. */
function parseContainerNames(
  v: { value: string; from: string } | undefined,
  problems: string[],
): ContainerNames {
  const names: Record<MeridioRole, readonly string[]> = { ...DEFAULT_CONTAINER_NAMES };
  if (!v) return names;
  const seen = new Set<string>();
  for (const item of v.value.split(',')) {
    const m = /^([a-z-]+)=(.+)$/.exec(item.trim());
    const role = m?.[1] as MeridioRole | undefined;
    const list = m?.[2]?.split('|') ?? [];
    if (!m || !role || !ROLES.includes(role)) {
      problems.push(
        `${v.from}: ${JSON.stringify(item)}: expected ROLE=NAME|NAME with ROLE one of ${ROLES.join(', ')}`,
      );
      continue;
    }
    if (seen.has(role)) problems.push(`${v.from}: ${role} is given twice`);
    seen.add(role);
    if (list.some((n) => !isKubernetesName(n) || n.length > 63)) {
      problems.push(`${v.from}: ${JSON.stringify(item)}: container names must be Kubernetes names`);
      continue;
    }
    names[role] = list;
  }
  return names;
}

/** In cluster mode the sources are found by discovery: a recording, socket or netns list cannot be mixed in. */
function clusterSource(get: Getter, problems: string[]): SourceConfig | undefined {
  const others = ['demo', 'replay', 'vpp-cli-socket', 'netns.pods']
    .map((f) => get(f))
    .filter((v) => v !== undefined);
  if (others.length > 0) {
    problems.push(
      `${get('kube.mode')?.from} cannot be combined with ${others.map((o) => o.from).join(', ')}`,
    );
    return undefined;
  }
  return { kind: 'cluster' };
}

function addressBook(nodes: Record<string, string[]>): ReadonlyMap<string, string> {
  const map = new Map<string, string>();
  for (const [name, addresses] of Object.entries(nodes)) for (const a of addresses) map.set(a, name);
  return map;
}

function from(get: Getter, flag: Flag): string {
  const r = get(flag);
  return r ? `${r.from}=${JSON.stringify(r.value)}` : `--${flag}`;
}

function parseSource(get: Getter, problems: string[], livePods: boolean): SourceConfig | undefined {
  const demo = get('demo');
  const replay = get('replay');
  const socket = get('vpp-cli-socket');
  const chosen = [demo, replay, socket].filter((s) => s !== undefined);
  if (chosen.length > 1) {
    problems.push(
      `${chosen.map((c) => c.from).join(' and ')}: choose one source (demo, replay or VPP socket)`,
    );
    return undefined;
  }
  if (livePods && (demo || replay)) {
    problems.push(
      `${get('netns.pods')?.from} and ${(demo ?? replay)?.from}: live pods cannot be mixed with a recording`,
    );
    return undefined;
  }
  if (livePods && !socket) return { kind: 'none' };
  if (socket) {
    if (!isAbsolute(socket.value)) {
      problems.push(`${socket.from}=${JSON.stringify(socket.value)}: the socket path must be absolute`);
      return undefined;
    }
    return { kind: 'vpp-cli-socket', socketPath: socket.value };
  }
  if (replay) {
    const dir = resolve(replay.value);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      problems.push(`${replay.from}=${JSON.stringify(replay.value)}: no such directory`);
      return undefined;
    }
    if (!existsSync(join(dir, 'vpp')) && !existsSync(join(dir, 'pods'))) {
      problems.push(
        `${replay.from}=${JSON.stringify(replay.value)}: no vpp/ or pods/ folder inside (see the replay layout in docs/reading.md)`,
      );
      return undefined;
    }
    return { kind: 'replay', dir };
  }
  if (!demo) {
    problems.push(
      `no source to read: give --vpp-cli-socket PATH (a live VPP), --netns.pods NS/POD[:ROLE]=PATH,… (Meridio pods), --kube.mode node-local|exec (in a cluster), --replay DIR (recorded outputs) or --demo ${DEMO_NAMES.join('|')} (the built-in recording)`,
    );
    return undefined;
  }
  const name = demo.value;
  if (!(DEMO_NAMES as readonly string[]).includes(name)) {
    problems.push(`${demo.from}=${JSON.stringify(name)}: the demos are ${DEMO_NAMES.join(', ')}`);
    return undefined;
  }
  return { kind: 'replay', dir: join(DEMO_ROOT, name), demo: name as (typeof DEMO_NAMES)[number] };
}

/** `--netns.pods=NAMESPACE/POD[:ROLE]=PATH,…`: the pods to read and their network namespaces. */
/** Roles of the Meridio pods the agent reads (the forwarder is VPP, read through its CLI or segment). */
const POD_ROLES = ROLES.filter((r) => r !== 'forwarder');

function parseNetnsPods(
  v: { value: string; from: string } | undefined,
  problems: string[],
): PodTarget[] | undefined {
  if (!v) return undefined;
  const pods: PodTarget[] = [];
  const seen = new Set<string>();
  for (const item of v.value.split(',')) {
    const m = /^([^/=:]+)\/([^/=:]+)(?::([^=]+))?=(.+)$/.exec(item.trim());
    const where = `${v.from}: ${JSON.stringify(item)}`;
    if (!m) {
      problems.push(`${where}: expected NAMESPACE/POD[:ROLE]=PATH`);
      continue;
    }
    const [, namespace, pod, role, path] = m as unknown as [
      string,
      string,
      string,
      string | undefined,
      string,
    ];
    if (
      !isKubernetesName(namespace) ||
      !isKubernetesName(pod) ||
      (role !== undefined && !isKubernetesName(role))
    ) {
      problems.push(
        `${where}: namespace, pod and role must be Kubernetes names (lower case, digits, - and .)`,
      );
      continue;
    }
    if (!isNetnsPath(path)) {
      problems.push(`${where}: the namespace path must be /proc/<pid>/ns/net or /var/run/netns/<name>`);
      continue;
    }
    if (seen.has(`${namespace}/${pod}`)) {
      problems.push(`${where}: ${namespace}/${pod} is listed twice`);
      continue;
    }
    seen.add(`${namespace}/${pod}`);
    if (role !== undefined && !(POD_ROLES as readonly string[]).includes(role)) {
      problems.push(`${where}: role ${JSON.stringify(role)} is not one of ${POD_ROLES.join(', ')}`);
      continue;
    }
    const target: PodTarget = { namespace, pod, netns: path };
    if (role) target.role = role;
    pods.push(target);
  }
  return pods;
}

function readReplayMeta(dir: string, problems: string[]): ReplayMeta {
  const file = join(dir, 'replay.json');
  if (!existsSync(file)) return {};
  try {
    const meta = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof meta !== 'object' || meta === null) throw new Error('not an object');
    const { node, forwarder, nodes } = meta as Record<string, unknown>;
    if (
      (node !== undefined && typeof node !== 'string') ||
      (forwarder !== undefined && typeof forwarder !== 'string')
    ) {
      throw new Error('"node" and "forwarder" must be strings');
    }
    const out: ReplayMeta = {};
    if (node !== undefined) out.node = node as string;
    if (forwarder !== undefined) out.forwarder = forwarder as string;
    if (nodes !== undefined) {
      const ok =
        typeof nodes === 'object' &&
        nodes !== null &&
        !Array.isArray(nodes) &&
        Object.values(nodes).every((a) => Array.isArray(a) && a.every((x) => typeof x === 'string'));
      if (!ok) throw new Error('"nodes" must map node names to lists of addresses');
      out.nodes = nodes as Record<string, string[]>;
    }
    return out;
  } catch (err) {
    problems.push(`${file}: ${(err as Error).message}`);
    return {};
  }
}
