import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Container, V1Node, V1Pod } from '@kubernetes/client-node';
import { DEMO, vppFixturePath } from './fixtures.ts';
import type { ExecAnswer, ExecCall } from './kube-api-peer.ts';
import { requireTool } from './tools.ts';

const env = (vars: Record<string, string>) => Object.entries(vars).map(([name, value]) => ({ name, value }));

export function pod(
  namespace: string,
  name: string,
  node: string,
  containers: V1Container[],
  uid = `${name.length.toString(16).padStart(8, '0')}-0000-4000-8000-${Buffer.from(name).toString('hex').slice(-12).padStart(12, '0')}`,
): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace, name, uid, labels: { app: name.replace(/-[a-z0-9]{3,5}$/, '') } },
    spec: { nodeName: node, containers },
    status: { phase: 'Running' },
  };
}

/** The guide's pods on its two nodes, with the container names and env vars of the upstream manifests. */
export function guidePods(): V1Pod[] {
  const proxy = (name: string, node: string) =>
    pod('red', name, node, [
      {
        name: 'proxy',
        env: env({ NSM_TRENCH: 'trench-a', NSM_CONDUIT: 'conduit-a-1', NSM_NAMESPACE: 'red' }),
      },
    ]);
  const frontend = (name: string, node: string) =>
    pod('red', name, node, [
      { name: 'stateless-lb', env: env({ NSM_TRENCH_NAME: 'trench-a', NSM_CONDUIT_NAME: 'conduit-a-1' }) },
      { name: 'nsc' },
      { name: 'fe', env: env({ NFE_TRENCH_NAME: 'trench-a', NFE_ATTRACTOR_NAME: 'attractor-a-1' }) },
    ]);
  return [
    pod('nsm-system', 'forwarder-vpp-worker-a', 'worker-a', [
      { name: 'forwarder-vpp', env: env({ NSM_TUNNEL_IP: '172.18.0.2' }) },
    ]),
    pod('nsm-system', 'forwarder-vpp-worker-b', 'worker-b', [{ name: 'forwarder-vpp' }]),
    proxy('proxy-conduit-a-1-abc', 'worker-a'),
    proxy('proxy-conduit-a-1-def', 'worker-b'),
    frontend('stateless-lb-frontend-attractor-a-1-ghi', 'worker-a'),
    frontend('stateless-lb-frontend-attractor-a-1-jkl', 'worker-b'),
    pod('red', 'target-a-1', 'worker-a', [{ name: 'example-target' }, { name: 'tapa' }]),
    pod('kube-system', 'kube-proxy-x8k2f', 'worker-a', [{ name: 'kube-proxy' }]),
  ];
}

export function guideNodes(): V1Node[] {
  const node = (name: string, ip: string): V1Node => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    status: {
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: name },
      ],
    },
  });
  return [node('worker-a', '172.18.0.2'), node('worker-b', '172.18.0.4')];
}

let forwarderRecording: string | undefined;

/**
 * worker-a's VPP as the forwarder's vppctl answers it: the demo's four guide outputs, plus `show
 * version` and `show errors` of the VPP v26.06 lab (the guide shows neither).
 */
function forwarderDir(): string {
  if (!forwarderRecording) {
    const dir = mkdtempSync(join(tmpdir(), 'mpe-forwarder-'));
    mkdirSync(join(dir, 'vpp'));
    for (const f of readdirSync(`${DEMO}worker-a/vpp`))
      copyFileSync(`${DEMO}worker-a/vpp/${f}`, join(dir, 'vpp', f));
    copyFileSync(vppFixturePath('vpp2606-show-version.txt'), join(dir, 'vpp', 'show-version.txt'));
    copyFileSync(vppFixturePath('vpp2606-show-errors.txt'), join(dir, 'vpp', 'show-errors.txt'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    forwarderRecording = dir;
  }
  return forwarderRecording;
}

/** Where the peer finds a pod's recorded outputs: the worker-a demo. */
export function demoRecording(call: ExecCall): string | undefined {
  if (call.pod === 'forwarder-vpp-worker-a') return forwarderDir();
  if (call.namespace === 'red' && call.pod.endsWith('-abc')) return `${DEMO}worker-a/pods/red/${call.pod}`;
  if (call.pod === 'stateless-lb-frontend-attractor-a-1-ghi' || call.pod === 'target-a-1') {
    return `${DEMO}worker-a/pods/red/${call.pod}`;
  }
  return undefined;
}

/**
 * Stand-ins for a container's `ip`, `bridge`, `vppctl`, `cat` and `grep` that print the recorded
 * outputs of `$REC` (file named like the replay layout), so the exporter's script runs in a real
 * shell exactly as in the pod. `withIp: false` leaves iproute2 out, as in an image without it.
 */
export class FakeContainerTools {
  readonly dir: string;

  constructor(options: { withIp: boolean }) {
    this.dir = mkdtempSync(join(tmpdir(), 'mpe-tools-'));
    for (const tool of ['sh', 'tr', 'sed', 'awk']) symlinkSync(requireTool(tool), join(this.dir, tool));
    const serve = (name: string, slugOf: string) =>
      writeFileSync(
        join(this.dir, name),
        [
          '#!/bin/sh',
          `slug=$(${slugOf})`,
          'f="$REC/$slug.txt"',
          `[ -f "$f" ] || { echo "${name}: nothing recorded as $slug" >&2; exit 2; }`,
          'awk \'p || !/^# / { p = 1; print }\' "$f"',
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
    const slug = (prefix: string) =>
      `printf '%s' "${prefix}$*" | tr 'A-Z' 'a-z' | tr -d '*' | tr -cs 'a-z0-9.' '-' | sed 's/^-*//; s/-*$//'`;
    if (options.withIp) {
      serve('ip', slug('ip '));
      serve('bridge', slug('bridge '));
    }
    serve('cat', slug('cat '));
    // The script asks `grep -H . /sys/class/net/*/address`: recorded under the allowlist's `cat` name.
    serve('grep', 'echo cat-sys-class-net-address');
    writeFileSync(
      join(this.dir, 'vppctl'),
      [
        '#!/bin/sh',
        '[ "$1" = "-s" ] && shift 2',
        'f="$REC/vpp/$(echo "$*" | tr \' \' \'-\').txt"',
        '[ -f "$f" ] || { echo "vppctl: no recording for $*" >&2; exit 1; }',
        'awk \'p || !/^# / { p = 1; print }\' "$f"',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
  }

  /** Run an exec's command (only `sh -c SCRIPT` is answered) with these tools and a recording. */
  run(call: ExecCall, recording: string | undefined): Promise<ExecAnswer> {
    const [shell, flag, script] = call.command;
    if (shell !== 'sh' || flag !== '-c' || script === undefined || call.command.length !== 3) {
      return Promise.resolve({
        failure: `OCI runtime exec failed: exec failed: unable to start container process: exec: "${call.command[0]}": executable file not found in $PATH: unknown`,
      });
    }
    if (!recording)
      return Promise.resolve({ stdout: '', stderr: 'no recording for this pod\n', exitCode: 1 });
    return new Promise((resolve) => {
      execFile(
        join(this.dir, 'sh'),
        ['-c', script],
        { env: { PATH: this.dir, REC: recording }, timeout: 10_000, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ stdout, stderr, exitCode: code });
        },
      );
    });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
