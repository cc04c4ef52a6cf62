import { DEFAULT_CONTAINER_NAMES } from '../discovery/roles.ts';

/** Every setting of the exporter: its flag, its environment variable, its default and what it does. */
export interface SettingDef {
  flag: string;
  env: string;
  default?: string;
  value: string;
  description: string;
}

function setting(flag: string, value: string, description: string, defaultValue?: string): SettingDef {
  const def: SettingDef = { flag, env: envName(flag), value, description };
  if (defaultValue !== undefined) def.default = defaultValue;
  return def;
}

/** `--collect.state-interval` → `MPE_COLLECT_STATE_INTERVAL`. */
export function envName(flag: string): string {
  return `MPE_${flag.replace(/[.-]/g, '_').toUpperCase()}`;
}

const DEFAULT_PORT = 9847;
export const DEMO_NAMES = ['worker-a', 'worker-b'] as const;

export const SETTINGS: readonly SettingDef[] = [
  setting(
    'web.listen-address',
    'HOST:PORT',
    'Address to serve /metrics, /healthz, /readyz on.',
    `:${DEFAULT_PORT}`,
  ),
  setting('web.telemetry-path', 'PATH', 'Path of the metrics endpoint.', '/metrics'),
  setting(
    'web.config.file',
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
  setting(
    'vpp-stats-segment',
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
  setting(
    'collect.interval',
    'DURATION',
    'How often VPP counters are read; must divide a minute (or an hour).',
    '15s',
  ),
  setting(
    'collect.state-interval',
    'DURATION',
    'How often the state commands that pause VPP workers (show tap, vxlan, errors, version) run.',
    '60s',
  ),
  setting(
    'collect.command-timeout',
    'DURATION',
    'Deadline of one VPP command, and of all commands of one pod.',
    '5s',
  ),
  setting(
    'collect.thread',
    'main|worker',
    'Ignored, with a warning: collection always runs on the serving thread now. Accepted so that a configuration that sets it still starts.',
  ),
  setting(
    'collect.include-local',
    'true|false',
    "Also export the kernel's local routing table, link-local multicast neighbours and multicast FDB entries of the pods (many series, rarely useful).",
    'false',
  ),
  setting(
    'path.gone-window',
    'DURATION',
    'How long a nexthop, cross-connect or bridge port that was on the path and is gone stays on it as a down link (0s: drop it at once).',
    '10m',
  ),
  setting(
    'path.fdb-missing-after',
    'DURATION',
    "How long a target's MAC must be missing from its proxy's bridge FDB before the path shows that FDB link down (idle targets' entries age out after 300 s; 0s: never).",
    '15m',
  ),
  setting('log.level', 'debug|info|warn|error', 'Log level.', 'info'),
  setting(
    'log.format',
    'auto|json|pretty',
    'Log format; auto is pretty on a terminal, JSON otherwise.',
    'auto',
  ),
];
