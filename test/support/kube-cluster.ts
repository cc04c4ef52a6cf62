import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PodProcessFinder } from '../../src/sources/node-local/pod-processes.ts';
import { isAlive, removeStaleNamespaces } from './netns-topology.ts';
import { clusterCacheDir } from './test-cache.ts';
import { requireTool } from './tools.ts';

/**
 * A one-node Kubernetes cluster from real parts (root only): etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler, kubelet and kube-proxy of the release in
 * test/cluster/kube, containerd with runc and the CNI bridge plugin. Built by
 * scripts/test-cluster-parts.sh and scripts/test-cluster-images.sh into a cache outside the repository.
 *
 * Everything runs in a network namespace of its own (`mpek<pid>-node`, the node's address 198.18.0.2,
 * pods in 198.18.64.0/24, services in 198.18.128.0/24, all RFC 2544 test addresses) joined to the host
 * by one veth, so the test reaches the API server and the pods and nothing else is touched. `stop()`
 * kills every process, unmounts what the kubelet and containerd mounted and removes the namespace,
 * cgroups and directories; the next run removes what a killed run left.
 */

const execFileAsync = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const NODE_NAME = 'mpe-node';
export const NODE_IP = '198.18.0.2';
const HOST_IP = '198.18.0.1';
export const POD_CIDR = '198.18.64.0/24';
const SERVICE_CIDR = '198.18.128.0/24';
const NETNS_BASE = 'mpek';
const STOP_GRACE_MS = 5_000;

/**
 * For `describe(..., { skip: kubeClusterOrSkip() })`: false when the cluster can run. Without root or
 * without the built parts the tests skip with one line naming the script, except in CI, where that
 * fails the run (`scripts/test-all.sh` builds the parts first).
 */
export function kubeClusterOrSkip(): string | false {
  let missing: string | undefined;
  if (process.getuid?.() !== 0)
    missing = 'the cluster tests need root (containerd, kubelet, network namespaces)';
  for (const script of ['test-cluster-parts.sh', 'test-cluster-images.sh']) {
    if (missing) break;
    try {
      execFileSync('bash', [join(REPO_ROOT, 'scripts', script), '--check'], { stdio: 'pipe' });
    } catch (err) {
      missing = String((err as { stderr?: Buffer }).stderr ?? err).trim();
    }
  }
  if (missing) {
    if (process.env.CI === 'true') throw new Error(`CI=true: ${missing}`);
    return missing;
  }
  for (const tool of ['ip', 'openssl', 'kubectl', 'iptables', 'nsenter']) requireTool(tool);
  return false;
}

export interface AuditEvent {
  stage: 'ResponseStarted' | 'ResponseComplete' | 'Panic';
  verb: string;
  user: { username: string };
  userAgent?: string;
  objectRef?: { resource?: string; namespace?: string; subresource?: string };
  requestURI: string;
  requestReceivedTimestamp: string;
  responseStatus?: { code?: number };
}

interface Component {
  name: string;
  child: ChildProcess;
}

export class KubeCluster {
  readonly netns = `${NETNS_BASE}${process.pid}-node`;
  readonly dataDir = `/tmp/mpe-kube-${process.pid}`;
  /** Unix sockets want short paths. */
  readonly stateDir = `/run/mpe-kube-${process.pid}`;
  readonly kubeconfig = join(this.dataDir, 'pki', 'admin.kubeconfig');
  private readonly bin = join(clusterCacheDir(), 'bin');
  private readonly hostVeth = `${NETNS_BASE}${process.pid % 100_000}`;
  private readonly components: Component[] = [];
  private cniNamespacesBefore = new Set<string>();
  private shimSocketsBefore = new Set<string>();
  private stopped = false;

  /** Starts every part and waits until the node is Ready with the test images loaded. */
  async start(): Promise<void> {
    removeStaleClusters();
    this.cniNamespacesBefore = new Set(cniNamespaces());
    this.shimSocketsBefore = new Set(shimSockets());
    process.on('exit', () => this.stopSync());
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        this.stopSync();
        process.exit(130);
      });
    }
    this.network();
    mkdirSync(join(this.dataDir, 'pki'), { recursive: true });
    mkdirSync(this.stateDir, { recursive: true });
    saveHostSysctls(this.dataDir);
    this.pki();
    this.launch('etcd', [
      '--name=mpe',
      `--data-dir=${join(this.dataDir, 'etcd')}`,
      '--listen-client-urls=http://127.0.0.1:2379',
      '--advertise-client-urls=http://127.0.0.1:2379',
      '--listen-peer-urls=http://127.0.0.1:2380',
      '--initial-advertise-peer-urls=http://127.0.0.1:2380',
      '--initial-cluster=mpe=http://127.0.0.1:2380',
      '--log-level=warn',
    ]);
    this.startApiServer();
    await this.waitFor('API server ready', 60_000, async () => (await this.apiGet('/readyz')) === 200);
    const kc = (who: string) => join(this.dataDir, 'pki', `${who}.kubeconfig`);
    this.launch('kube-controller-manager', [
      `--kubeconfig=${kc('controller-manager')}`,
      `--authentication-kubeconfig=${kc('controller-manager')}`,
      `--authorization-kubeconfig=${kc('controller-manager')}`,
      `--service-account-private-key-file=${this.pkiFile('sa.key')}`,
      `--root-ca-file=${this.pkiFile('ca.crt')}`,
      '--use-service-account-credentials=true',
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
    ]);
    this.launch('kube-scheduler', [
      `--kubeconfig=${kc('scheduler')}`,
      `--authentication-kubeconfig=${kc('scheduler')}`,
      `--authorization-kubeconfig=${kc('scheduler')}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
    ]);
    this.startContainerd();
    await this.waitFor('containerd', 30_000, async () => existsSync(this.containerdSocket()));
    await this.importImages();
    this.startKubelet();
    this.launch('kube-proxy', [
      `--kubeconfig=${kc('kube-proxy')}`,
      `--hostname-override=${NODE_NAME}`,
      `--cluster-cidr=${POD_CIDR}`,
      '--proxy-mode=iptables',
      // No conntrack table sizing: the node is a namespace of a machine the test does not own.
      '--conntrack-max-per-core=0',
      '--metrics-bind-address=127.0.0.1:10249',
    ]);
    await this.waitFor('node Ready', 120_000, async () => {
      const out = await this.kubectl([
        'get',
        'node',
        NODE_NAME,
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
      ]).catch(() => '');
      return out.trim() === 'True';
    });
  }

  async kubectl(args: string[], input?: string): Promise<string> {
    const child = execFileAsync('kubectl', [`--kubeconfig=${this.kubeconfig}`, ...args], {
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
    });
    if (input !== undefined) {
      child.child.stdin?.end(input);
    }
    try {
      return (await child).stdout;
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      // `kubectl auth can-i` answers "no" on stdout with exit status 1.
      const said = [e.stdout?.trim(), e.stderr?.trim()].filter(Boolean).join('\n');
      throw new Error(`kubectl ${args.join(' ')}: ${said || e.message}`);
    }
  }

  /** kubectl apply -f - of the given manifests. */
  apply(yaml: string): Promise<string> {
    return this.kubectl(['apply', '-f', '-'], yaml);
  }

  /** A running process of the pod (they share its network namespace), found by its UID in /proc. */
  podPid(uid: string): number {
    const pid = new PodProcessFinder().anyProcess(uid);
    if (pid === undefined) throw new Error(`no process of pod ${uid} in /proc`);
    return pid;
  }

  /** Run a command in the node's network namespace (where hostNetwork pods live). */
  onNode(argv: string[]): string {
    return execFileSync('nsenter', [`--net=/var/run/netns/${this.netns}`, ...argv], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** A component's log, for a failing test's message. */
  log(name: string, lines = 40): string {
    try {
      return readFileSync(join(this.dataDir, 'logs', `${name}.log`), 'utf8')
        .split('\n')
        .slice(-lines)
        .join('\n');
    } catch {
      return '';
    }
  }

  /** Stops one component (the API server, say) and starts it again with the same arguments. */
  async restart(name: string): Promise<void> {
    const c = this.components.find((x) => x.name === name);
    if (!c) throw new Error(`no component ${name}`);
    await stopProcess(c.child);
    this.components.splice(this.components.indexOf(c), 1);
    if (name === 'kube-apiserver') {
      this.startApiServer();
      await this.waitFor('API server ready', 60_000, async () => (await this.apiGet('/readyz')) === 200);
    } else throw new Error(`restart of ${name} is not wired`);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    for (const name of ['kube-proxy', 'kubelet', 'kube-scheduler', 'kube-controller-manager']) {
      const c = this.components.find((x) => x.name === name);
      if (c) await stopProcess(c.child);
    }
    this.stopSync();
  }

  /** Synchronous teardown, also run from the exit handler when the test process ends early. */
  private stopSync(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const c of this.components.reverse()) killGroup(c.child.pid, 'SIGKILL');
    teardown(process.pid, this.cniNamespacesBefore, this.shimSocketsBefore);
  }

  private pkiFile(name: string): string {
    return join(this.dataDir, 'pki', name);
  }

  private containerdSocket(): string {
    return join(this.stateDir, 'containerd.sock');
  }

  private network(): void {
    const ip = requireTool('ip');
    const run = (...args: string[]) => execFileSync(ip, args, { stdio: 'pipe' });
    const inNode = (...args: string[]) => execFileSync(ip, ['-n', this.netns, ...args], { stdio: 'pipe' });
    run('netns', 'add', this.netns);
    run('link', 'add', this.hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.netns);
    run('addr', 'add', `${HOST_IP}/24`, 'dev', this.hostVeth);
    run('link', 'set', this.hostVeth, 'up');
    inNode('addr', 'add', `${NODE_IP}/24`, 'dev', 'eth0');
    inNode('link', 'set', 'eth0', 'up');
    inNode('link', 'set', 'lo', 'up');
    run('route', 'replace', POD_CIDR, 'via', NODE_IP);
    run('route', 'replace', SERVICE_CIDR, 'via', NODE_IP);
    for (const key of ['net/ipv4/ip_forward', 'net/ipv4/conf/all/route_localnet']) {
      this.onNode(['sysctl', '-qw', `${key}=1`]);
    }
  }

  private pki(): void {
    const openssl = requireTool('openssl');
    const dir = join(this.dataDir, 'pki');
    const run = (...args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: 'pipe' });
    const key = (name: string) =>
      run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
    key('ca');
    run(
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-subj',
      '/CN=mpe-test-kubernetes-ca',
      '-days',
      '2',
      '-out',
      'ca.crt',
    );
    const cert = (name: string, subject: string, ext: string) => {
      key(name);
      run('req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`);
      writeFileSync(join(dir, `${name}.ext`), ext);
      run(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
        '-out',
        `${name}.crt`,
      );
    };
    const client = 'extendedKeyUsage=clientAuth\n';
    cert(
      'apiserver',
      '/CN=kube-apiserver',
      `extendedKeyUsage=serverAuth\nsubjectAltName=IP:${NODE_IP},IP:198.18.128.1,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n`,
    );
    cert('admin', '/O=system:masters/CN=mpe-test-admin', client);
    cert('apiserver-kubelet-client', '/O=system:masters/CN=kube-apiserver-kubelet-client', client);
    cert('kubelet', `/O=system:nodes/CN=system:node:${NODE_NAME}`, client);
    cert('controller-manager', '/CN=system:kube-controller-manager', client);
    cert('scheduler', '/CN=system:kube-scheduler', client);
    cert('kube-proxy', '/CN=system:kube-proxy', client);
    key('sa');
    run('ec', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
    for (const who of ['admin', 'kubelet', 'controller-manager', 'scheduler', 'kube-proxy']) {
      writeFileSync(
        join(dir, `${who}.kubeconfig`),
        [
          'apiVersion: v1',
          'kind: Config',
          `clusters: [{ name: mpe, cluster: { server: "https://${NODE_IP}:6443", certificate-authority: "${join(dir, 'ca.crt')}" } }]`,
          `users: [{ name: ${who}, user: { client-certificate: "${join(dir, `${who}.crt`)}", client-key: "${join(dir, `${who}.key`)}" } }]`,
          `contexts: [{ name: mpe, context: { cluster: mpe, user: ${who} } }]`,
          'current-context: mpe',
          '',
        ].join('\n'),
      );
    }
  }

  /** The API server's audit log: every request of a service account, at Metadata level (who, verb, resource, user agent). */
  readonly auditLog = join(this.dataDir, 'audit.log');

  /** Audit events of the service accounts' requests so far (ResponseComplete and ResponseStarted stages). */
  auditEvents(): AuditEvent[] {
    let text = '';
    try {
      text = readFileSync(this.auditLog, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as AuditEvent);
  }

  private startApiServer(): void {
    const policy = join(this.dataDir, 'audit-policy.yaml');
    writeFileSync(
      policy,
      [
        'apiVersion: audit.k8s.io/v1',
        'kind: Policy',
        'omitStages: [RequestReceived]',
        'rules:',
        '  - level: Metadata',
        '    userGroups: ["system:serviceaccounts"]',
        '  - level: None',
        '',
      ].join('\n'),
    );
    this.launch('kube-apiserver', [
      `--audit-policy-file=${policy}`,
      `--audit-log-path=${this.auditLog}`,
      '--audit-log-maxsize=100',
      '--etcd-servers=http://127.0.0.1:2379',
      `--advertise-address=${NODE_IP}`,
      '--bind-address=0.0.0.0',
      '--secure-port=6443',
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      `--client-ca-file=${this.pkiFile('ca.crt')}`,
      `--tls-cert-file=${this.pkiFile('apiserver.crt')}`,
      `--tls-private-key-file=${this.pkiFile('apiserver.key')}`,
      `--kubelet-client-certificate=${this.pkiFile('apiserver-kubelet-client.crt')}`,
      `--kubelet-client-key=${this.pkiFile('apiserver-kubelet-client.key')}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${this.pkiFile('sa.pub')}`,
      `--service-account-signing-key-file=${this.pkiFile('sa.key')}`,
      '--authorization-mode=Node,RBAC',
      '--enable-admission-plugins=NodeRestriction',
      '--allow-privileged=true',
      // The node's name resolves nowhere: reach the kubelet (exec, logs) at its InternalIP.
      '--kubelet-preferred-address-types=InternalIP',
    ]);
  }

  private startContainerd(): void {
    const config = join(this.dataDir, 'containerd.toml');
    const cniConf = join(this.dataDir, 'cni');
    mkdirSync(cniConf, { recursive: true });
    writeFileSync(
      join(cniConf, '10-mpe.conflist'),
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'mpe',
        plugins: [
          {
            type: 'bridge',
            bridge: 'cni0',
            isGateway: true,
            ipMasq: false,
            hairpinMode: true,
            ipam: {
              type: 'host-local',
              ranges: [[{ subnet: POD_CIDR }]],
              routes: [{ dst: '0.0.0.0/0' }],
              // The run's own leases: pods are not deleted one by one at the end, so leases kept on the
              // host (/var/lib/cni/networks) would run the range out over a few runs.
              dataDir: join(this.dataDir, 'cni-ipam'),
            },
          },
          { type: 'portmap', capabilities: { portMappings: true } },
        ],
      }),
    );
    writeFileSync(
      config,
      [
        'version = 3',
        `root = "${join(this.dataDir, 'containerd')}"`,
        `state = "${join(this.stateDir, 'containerd')}"`,
        '[grpc]',
        `  address = "${this.containerdSocket()}"`,
        "[plugins.'io.containerd.internal.v1.opt']",
        `  path = "${join(this.dataDir, 'opt')}"`,
        "[plugins.'io.containerd.cri.v1.images']",
        '  snapshotter = "overlayfs"',
        "[plugins.'io.containerd.cri.v1.images'.pinned_images]",
        '  sandbox = "docker.io/library/pause:test"',
        "[plugins.'io.containerd.cri.v1.runtime']",
        // The machine withholds CAP_SYS_RESOURCE, so no process may lower its OOM score: containerd
        // keeps a pod's score at or above its own instead of the sandbox's -998.
        '  restrict_oom_score_adj = true',
        "[plugins.'io.containerd.cri.v1.runtime'.cni]",
        '  bin_dirs = ["/usr/lib/cni"]',
        `  conf_dir = "${cniConf}"`,
        "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]",
        '  runtime_type = "io.containerd.runc.v2"',
        "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]",
        `  BinaryName = "${join(this.bin, 'runc')}"`,
        `  Root = "${join(this.stateDir, 'runc')}"`,
        '  SystemdCgroup = false',
        '',
      ].join('\n'),
    );
    this.launch('containerd', [`--config=${config}`]);
  }

  /** The cgroup under which this run's kubelet puts its pods, in every hierarchy. */
  readonly cgroupRoot = `mpe-kube-${process.pid}`;

  private startKubelet(): void {
    makeCgroupRoot(this.cgroupRoot);
    const config = join(this.dataDir, 'kubelet.yaml');
    writeFileSync(
      config,
      [
        'apiVersion: kubelet.config.k8s.io/v1beta1',
        'kind: KubeletConfiguration',
        // This machine mounts cgroup v1; Kubernetes 1.35+ refuses it unless told otherwise.
        'failCgroupV1: false',
        'cgroupDriver: cgroupfs',
        // The run's own cgroup tree: the host's /kubepods (a machine that is itself a node) is not ours.
        `cgroupRoot: /${this.cgroupRoot}`,
        `containerRuntimeEndpoint: unix://${this.containerdSocket()}`,
        `address: ${NODE_IP}`,
        'readOnlyPort: 0',
        'healthzBindAddress: 127.0.0.1',
        'authentication:',
        '  anonymous: { enabled: false }',
        '  webhook: { enabled: true }',
        `  x509: { clientCAFile: "${this.pkiFile('ca.crt')}" }`,
        'authorization: { mode: Webhook }',
        'failSwapOn: false',
        'serializeImagePulls: false',
        // The machine's disk is shared with everything else: never evict the test's pods for it.
        'evictionHard: { memory.available: "100Mi", nodefs.available: "0%", imagefs.available: "0%", nodefs.inodesFree: "0%" }',
        'imageGCHighThresholdPercent: 100',
        'imageGCLowThresholdPercent: 99',
        'resolvConf: ""',
        '',
      ].join('\n'),
    );
    this.launch('kubelet', [
      `--config=${config}`,
      `--kubeconfig=${this.pkiFile('kubelet.kubeconfig')}`,
      `--root-dir=${join(this.dataDir, 'kubelet')}`,
      `--cert-dir=${join(this.dataDir, 'kubelet-pki')}`,
      `--hostname-override=${NODE_NAME}`,
      `--node-ip=${NODE_IP}`,
    ]);
  }

  /** Loads every image archive of scripts/test-cluster-images.sh into containerd's k8s.io namespace. */
  private async importImages(): Promise<void> {
    const dir = join(clusterCacheDir(), 'images');
    const ctr = (...args: string[]) =>
      execFileAsync(
        join(this.bin, 'ctr'),
        [`--address=${this.containerdSocket()}`, '--namespace=k8s.io', ...args],
        {
          timeout: 120_000,
        },
      );
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.tar'))) {
      await ctr('images', 'import', '--local', join(dir, file));
    }
    // The archives name images as buildah does (`pause:test`); the kubelet asks for the normalised
    // reference (`docker.io/library/pause:test`).
    const names = (await ctr('images', 'ls', '-q')).stdout
      .split('\n')
      .filter((n) => /^[a-z0-9][^/@]*:[^/]+$/.test(n));
    for (const name of names) await ctr('images', 'tag', '--force', name, `docker.io/library/${name}`);
  }

  private launch(name: string, args: string[]): void {
    const logs = join(this.dataDir, 'logs');
    mkdirSync(logs, { recursive: true });
    const out = openSync(join(logs, `${name}.log`), 'a');
    const child = spawn('nsenter', [`--net=/var/run/netns/${this.netns}`, join(this.bin, name), ...args], {
      detached: true,
      stdio: ['ignore', out, out],
      env: { ...process.env, PATH: `${this.bin}:${process.env.PATH}` },
    });
    child.unref();
    this.components.push({ name, child });
  }

  /** Status code of a GET on the API server as the admin. */
  apiGet(path: string): Promise<number> {
    return new Promise((resolve) => {
      const req = request(
        {
          host: NODE_IP,
          port: 6443,
          path,
          method: 'GET',
          ca: readFileSync(this.pkiFile('ca.crt')),
          cert: readFileSync(this.pkiFile('admin.crt')),
          key: readFileSync(this.pkiFile('admin.key')),
          timeout: 2_000,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', () => resolve(0));
      req.on('timeout', () => req.destroy());
      req.end();
    });
  }

  private async waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check()) return;
      for (const c of this.components) {
        if (c.child.exitCode !== null) {
          throw new Error(
            `${c.name} exited (${c.child.exitCode}) while waiting for ${what}:\n${this.log(c.name)}`,
          );
        }
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  killGroup(child.pid, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

function cniNamespaces(): string[] {
  try {
    return readdirSync('/var/run/netns').filter((n) => n.startsWith('cni-'));
  } catch {
    return [];
  }
}

/** Every process whose command line names this run's directories: containerd's shims and the parts. */
function processesOf(owner: number): number[] {
  const marks = [`/tmp/mpe-kube-${owner}/`, `/run/mpe-kube-${owner}/`];
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (marks.some((m) => cmdline.includes(m))) pids.push(Number(name));
    } catch {
      // Ended while listed.
    }
  }
  return pids;
}

/** Processes in this run's pod cgroups (the containers); they outlive a killed containerd. */
function podProcesses(owner: number): number[] {
  const mark = `/mpe-kube-${owner}/`;
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cgroup`, 'utf8').includes(mark)) pids.push(Number(name));
    } catch {
      // Ended while listed.
    }
  }
  return pids;
}

/** The cgroup hierarchies to make the run's root in: every v1 hierarchy, or the one v2 tree. */
function cgroupHierarchies(): string[] {
  const root = '/sys/fs/cgroup';
  if (existsSync(join(root, 'cgroup.controllers'))) return [root];
  return readdirSync(root)
    .map((h) => join(root, h))
    .filter((h) => existsSync(join(h, 'cgroup.procs')));
}

/** The kubelet wants its cgroup root to exist; a new v1 cpuset takes its parent's CPUs and memory nodes. */
function makeCgroupRoot(name: string): void {
  for (const h of cgroupHierarchies()) {
    const dir = join(h, name);
    mkdirSync(dir, { recursive: true });
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if (existsSync(join(h, file))) writeFileSync(join(dir, file), readFileSync(join(h, file), 'utf8'));
    }
  }
}

/** What the kubelet sets on the host when it starts (its protectKernelDefaults is off): saved, put back. */
const KUBELET_SYSCTLS = [
  'kernel/panic',
  'kernel/panic_on_oops',
  'vm/overcommit_memory',
  'vm/panic_on_oom',
  'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes',
];

function saveHostSysctls(dataDir: string): void {
  const saved = Object.fromEntries(
    KUBELET_SYSCTLS.map((k) => [k, readFileSync(`/proc/sys/${k}`, 'utf8').trim()]),
  );
  writeFileSync(join(dataDir, 'host-sysctls.json'), JSON.stringify(saved));
}

function restoreHostSysctls(dataDir: string): void {
  let saved: Record<string, string>;
  try {
    saved = JSON.parse(readFileSync(join(dataDir, 'host-sysctls.json'), 'utf8')) as Record<string, string>;
  } catch {
    return; // Stopped before the kubelet started.
  }
  for (const [key, value] of Object.entries(saved)) {
    try {
      writeFileSync(`/proc/sys/${key}`, value);
    } catch {
      // Read-only here: nothing was changed either.
    }
  }
}

/** containerd keeps each shim's socket in /run/containerd/s whatever its state directory. */
function shimSockets(): string[] {
  try {
    return readdirSync('/run/containerd/s');
  } catch {
    return [];
  }
}

function teardown(owner: number, cniBefore: Set<string>, shimsBefore?: Set<string>): void {
  for (const pid of [...processesOf(owner), ...podProcesses(owner)]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  execFileSync('sleep', ['0.3']);
  const dirs = [`/tmp/mpe-kube-${owner}`, `/run/mpe-kube-${owner}`];
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => dirs.some((d) => m === d || m.startsWith(`${d}/`)))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    } catch {
      // Unmounted with its parent.
    }
  }
  for (const ns of cniNamespaces()) {
    if (cniBefore.has(ns)) continue;
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // Removed by containerd.
    }
  }
  removeCgroups(`mpe-kube-${owner}`);
  if (shimsBefore) {
    for (const socket of shimSockets()) {
      if (!shimsBefore.has(socket)) rmSync(join('/run/containerd/s', socket), { force: true });
    }
  }
  restoreHostSysctls(`/tmp/mpe-kube-${owner}`);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  try {
    execFileSync('ip', ['netns', 'del', `${NETNS_BASE}${owner}-node`], { stdio: 'ignore' });
  } catch {
    // Not created, or already gone.
  }
  // The host end of the veth went with the namespace; its routes with it.
}

/** A run's cgroup tree in every hierarchy, deepest first. */
function removeCgroups(name: string): void {
  const remove = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      return;
    }
    for (const e of entries) remove(join(dir, e));
    try {
      rmdirSync(dir);
    } catch {
      // Still in use, or not a cgroup directory.
    }
  };
  for (const h of cgroupHierarchies()) remove(join(h, name));
}

/** Clusters of earlier runs whose process is gone: their processes, mounts, namespaces and files. */
function removeStaleClusters(): void {
  for (const base of ['/tmp', '/run']) {
    for (const name of readdirSync(base)) {
      const m = /^mpe-kube-(\d+)$/.exec(name);
      if (!m || isAlive(Number(m[1]))) continue;
      teardown(Number(m[1]), new Set());
    }
  }
  removeStaleNamespaces(NETNS_BASE);
}
