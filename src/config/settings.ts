import { DEFAULT_CONTAINER_NAMES } from '../discovery/roles.ts';
import type { StatsSegmentSetting } from '../sources/vpp-stats/stats-segment-source.ts';
import { isCronInterval, parseDuration } from './duration.ts';

/** What reading a setting's text gave: its value, or what is wrong with the text. */
export type SettingRead<T> = { value: T } | { problem: string };

/** Every setting of the exporter: its flag, its environment variable, its default and what it does. */
export interface SettingDef {
  flag: string;
  env: string;
  default?: string;
  value: string;
  description: string;
}

/**
 * A setting that is one value of the configuration, under `key`: its text (the default when it is not
 * given) is read by `read`. The settings that choose and describe the sources (demo, replay, socket,
 * netns pods, cluster) depend on each other and are read together by the configuration instead.
 */
export interface ValueSettingDef<K extends string, T> extends SettingDef {
  key: K;
  read: (text: string | undefined) => SettingRead<T>;
}

function setting(flag: string, value: string, description: string, defaultValue?: string): SettingDef {
  const def: SettingDef = { flag, env: envName(flag), value, description };
  if (defaultValue !== undefined) def.default = defaultValue;
  return def;
}

/** A setting without a default reads as undefined when it is not given. */
function valueSetting<K extends string, T, D extends string | undefined = undefined>(
  flag: string,
  key: K,
  read: (text: string) => SettingRead<T>,
  value: string,
  description: string,
  defaultValue?: D,
): ValueSettingDef<K, D extends string ? T : T | undefined> {
  return {
    ...setting(flag, value, description, defaultValue),
    key,
    read: (text) => {
      const given = text ?? defaultValue;
      // Without a default (D undefined), T | undefined is the declared type.
      return given === undefined ? ({ value: undefined } as SettingRead<never>) : read(given);
    },
  };
}

/** `--collect.state-interval` → `MPE_COLLECT_STATE_INTERVAL`. */
export function envName(flag: string): string {
  return `MPE_${flag.replace(/[.-]/g, '_').toUpperCase()}`;
}

/** A duration in milliseconds (`15s`, `1m`, `500ms`); 0 only where it means off. */
function duration({ allowZero = false } = {}) {
  return (text: string): SettingRead<number> => {
    const ms = parseDuration(text);
    return ms === undefined || (ms === 0 && !allowZero)
      ? { problem: `expected a duration such as 15s, 1m or 500ms${allowZero ? ' (0s: off)' : ''}` }
      : { value: ms };
  };
}

function oneOf<T extends string>(...choices: T[]) {
  return (text: string): SettingRead<T> =>
    (choices as string[]).includes(text)
      ? { value: text as T }
      : { problem: `must be one of ${choices.join(', ')}` };
}

/** `HOST:PORT`, `:PORT` or `[IPv6]:PORT`; no host: every address of both families, as Go exporters read `:PORT`. */
function listenAddress(text: string): SettingRead<{ host: string; port: number }> {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) return { problem: 'expected HOST:PORT, :PORT or [IPv6]:PORT' };
  return { value: { host: m[1] ?? m[2] ?? '', port } };
}

function telemetryPath(text: string): SettingRead<string> {
  return /^\/[A-Za-z0-9._~/-]*$/.test(text) && !['/', '/healthz', '/readyz'].includes(text)
    ? { value: text }
    : { problem: 'must be a path such as /metrics, other than /, /healthz and /readyz' };
}

function statsSegment(text: string): SettingRead<StatsSegmentSetting> {
  if (text === 'auto' || text === 'off') return { value: { kind: text } };
  return text.startsWith('/')
    ? { value: { kind: 'path', path: text } }
    : { problem: 'must be auto, off or an absolute path' };
}

function intervalSeconds(text: string): SettingRead<number> {
  const read = duration()(text);
  if ('problem' in read) return read;
  const seconds = read.value / 1000;
  return isCronInterval(seconds)
    ? { value: seconds }
    : {
        problem: `${seconds}s cannot be kept by the cron schedule; use whole seconds dividing 60 (1s, 5s, 10s, 15s, 30s) or whole minutes dividing 60`,
      };
}

const DEFAULT_PORT = 9847;
export const DEMO_NAMES = ['worker-a', 'worker-b'] as const;

export const SETTINGS = [
  valueSetting(
    'web.listen-address',
    'listen',
    listenAddress,
    'HOST:PORT',
    'Address to serve /metrics, /healthz, /readyz on.',
    `:${DEFAULT_PORT}`,
  ),
  valueSetting(
    'web.telemetry-path',
    'telemetryPath',
    telemetryPath,
    'PATH',
    'Path of the metrics endpoint.',
    '/metrics',
  ),
  valueSetting(
    'web.config.file',
    'webConfigFile',
    // An empty path is no web configuration, as the exporter toolkit takes `--web.config.file=`.
    (text) => ({ value: text || undefined }),
    'PATH',
    "TLS, client certificates, basic auth and response headers, in the Prometheus exporter toolkit's web configuration format (docs/security.md); re-read when it or the files it names change. Empty: none, as in the toolkit.",
  ),
  setting(
    'demo',
    DEMO_NAMES.join('|'),
    "Serve a built-in recording of the guide's node (what `npm start` runs); its series and page say it is a recording.",
  ),
  setting(
    'replay',
    'DIR',
    'Serve recorded outputs from DIR (layout in docs/reading.md) instead of a live VPP.',
  ),
  setting(
    'vpp-cli-socket',
    'PATH',
    "Read a live VPP through its CLI unix socket (no vppctl needed; NSM's forwarder-vpp has it at /var/run/vpp/cli.sock). Setting it selects this source.",
  ),
  valueSetting(
    'vpp-stats-segment',
    'statsSegment',
    statsSegment,
    'auto|off|PATH',
    "Read VPP's counters and error counters from its stats segment (no CLI command, no worker barrier). auto: the memfd of the VPP process behind the CLI socket or forwarder pod, when visible (root or CAP_SYS_PTRACE over VPP; otherwise the CLI is used). PATH: a readable segment file or /proc/<pid>/fd/<n>.",
    'auto',
  ),
  setting(
    'netns.pods',
    'NS/POD[:ROLE]=PATH,…',
    'Read these Meridio pods in their network namespaces (/proc/<pid>/ns/net or /var/run/netns/<name>; needs root or CAP_SYS_ADMIN). Alone, VPP is not read; add --vpp-cli-socket for both.',
  ),
  setting(
    'kube.mode',
    'node-local|exec',
    "Run in the cluster: discover this node's forwarder and Meridio pods through the Kubernetes API and read them from the node (node-local: hostPID, SYS_ADMIN, SYS_PTRACE) or by exec through the API server (exec: pods/exec). Needs --node or NODE_NAME.",
  ),
  setting(
    'kubeconfig',
    'PATH',
    "Kubeconfig file for --kube.mode (env KUBECONFIG also works); the pod's service account when not given.",
  ),
  setting(
    'kube.container-names',
    'ROLE=NAME|NAME,…',
    'Container names that mark a role (forwarder, proxy, stateless-lb-frontend, target), replacing the defaults for the roles given.',
    Object.entries(DEFAULT_CONTAINER_NAMES)
      .map(([role, names]) => `${role}=${names.join('|')}`)
      .join(','),
  ),
  setting('node', 'NAME', 'Node name put in the `node` label (env NODE_NAME also works).', 'the host name'),
  setting(
    'forwarder',
    'NAME',
    'Forwarder pod name put in the `forwarder` label.',
    "empty, or the recording's",
  ),
  valueSetting(
    'collect.interval',
    'intervalSeconds',
    intervalSeconds,
    'DURATION',
    'How often VPP counters are read; must divide a minute (or an hour).',
    '15s',
  ),
  valueSetting(
    'collect.state-interval',
    'stateIntervalMs',
    duration(),
    'DURATION',
    "How often the state commands run: those that pause VPP workers (show tap, vxlan, errors) and show version; with the stats segment also show interface and show interface addr. All run again at once when VPP's interface set changes.",
    '60s',
  ),
  valueSetting(
    'collect.command-timeout',
    'commandTimeoutMs',
    duration(),
    'DURATION',
    'Deadline of one VPP command, and of all commands of one pod.',
    '5s',
  ),
  setting(
    'collect.thread',
    'main|worker',
    'Ignored, with a warning: collection always runs on the serving thread now. Accepted so that a configuration that sets it still starts.',
  ),
  valueSetting(
    'collect.include-local',
    'includeLocal',
    (text) => {
      const read = oneOf('true', 'false')(text);
      return 'problem' in read ? read : { value: read.value === 'true' };
    },
    'true|false',
    "Also export the kernel's local routing table, link-local multicast neighbours and multicast FDB entries of the pods (many series, rarely useful).",
    'false',
  ),
  valueSetting(
    'path.gone-window',
    'goneWindowMs',
    duration({ allowZero: true }),
    'DURATION',
    'How long a nexthop, cross-connect or bridge port that was on the path and is gone stays on it as a down link (0s: drop it at once).',
    '10m',
  ),
  valueSetting(
    'path.fdb-missing-after',
    'fdbMissingMs',
    duration({ allowZero: true }),
    'DURATION',
    "How long a target's MAC must be missing from its proxy's bridge FDB before the path shows that FDB link down (idle targets' entries age out after 300 s; 0s: never).",
    '15m',
  ),
  valueSetting(
    'log.level',
    'logLevel',
    oneOf('debug', 'info', 'warn', 'error'),
    'debug|info|warn|error',
    'Log level.',
    'info',
  ),
  valueSetting(
    'log.format',
    'logFormat',
    oneOf('auto', 'json', 'pretty'),
    'auto|json|pretty',
    'Log format; auto is pretty on a terminal, JSON otherwise.',
    'auto',
  ),
] as const satisfies readonly SettingDef[];

type ValueSetting = Extract<(typeof SETTINGS)[number], { key: string }>;

/** The configuration's values that are one setting each, typed by their settings' readers. */
export type SettingValues = {
  [S in ValueSetting as S['key']]: S extends ValueSettingDef<string, infer T> ? T : never;
};

/** The settings that are one value each. */
export const VALUE_SETTINGS: readonly ValueSettingDef<string, unknown>[] = SETTINGS.filter(
  (s): s is ValueSetting => 'key' in s,
);
