import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoVpp } from './fixtures.ts';
import { guideNodes, pod } from './guide-cluster.ts';
import { KubeApiPeer } from './kube-api-peer.ts';
import { GuideTopology } from './netns-topology.ts';
import { FakePodProcesses } from './pod-cgroups.ts';
import { requireTool } from './tools.ts';
import { VppCliPeer } from './vpp-cli-peer.ts';

/**
 * The guide's worker-a as the node-local mode sees it (root only): the proxy, frontend ghi and target
 * are processes in kubelet-named cgroups inside the guide topology's network namespaces; `vpp_main`
 * runs in its own mount namespace whose /var/run is a directory of ours, where the VPP CLI peer
 * listens (the exporter must reach it as /proc/<vpp_main>/root/var/run/vpp/cli.sock); the Kubernetes
 * API peer lists the four pods with those UIDs and refuses every exec.
 */
export class NodeLocalNode {
  static readonly UID = {
    forwarder: '0a1b2c3d-0000-4000-8000-00000000f0f0',
    proxy: '0a1b2c3d-0000-4000-8000-0000000000a1',
    frontend: '0a1b2c3d-0000-4000-8000-0000000000b2',
    target: '0a1b2c3d-0000-4000-8000-0000000000c3',
  };
  readonly topology: GuideTopology;
  readonly pids: Record<'proxy' | 'frontend' | 'target' | 'vpp', number> = {
    proxy: 0,
    frontend: 0,
    target: 0,
    vpp: 0,
  };
  peer?: KubeApiPeer;
  vpp?: VppCliPeer;
  private readonly work = mkdtempSync(join(tmpdir(), 'mpe-node-local-'));
  private readonly processes: FakePodProcesses;

  constructor(prefix: string) {
    this.topology = new GuideTopology(prefix);
    this.processes = new FakePodProcesses(this.work, prefix);
  }

  get kubeconfig(): string {
    return join(this.work, 'kubeconfig');
  }

  async start(): Promise<void> {
    requireTool('nsenter');
    requireTool('unshare');
    const UID = NodeLocalNode.UID;
    this.topology.create();
    const P = this.topology.pods;
    this.pids.proxy = await this.processes.start(UID.proxy, 'pause', { netns: P.proxy.netns });
    this.pids.frontend = await this.processes.start(UID.frontend, 'pause', { netns: P.frontendGhi.netns });
    this.pids.target = await this.processes.start(UID.target, 'pause', { netns: P.target.netns });
    const run = join(this.work, 'forwarder-run');
    mkdirSync(join(run, 'vpp'), { recursive: true });
    this.pids.vpp = await this.processes.start(UID.forwarder, 'vpp_main', { runDir: run });
    this.vpp = new VppCliPeer(join(run, 'vpp', 'cli.sock'), {
      responses: Object.fromEntries(
        ['show interface', 'show interface addr', 'show tap', 'show vxlan tunnel raw'].map((c) => [
          c,
          demoVpp('worker-a', c.replace(/ /g, '-')),
        ]),
      ),
    });
    await this.vpp.start();
    const trench = [
      { name: 'NSM_TRENCH', value: 'trench-a' },
      { name: 'NSM_CONDUIT', value: 'conduit-a-1' },
    ];
    this.peer = new KubeApiPeer({
      pods: [
        pod('nsm-system', 'forwarder-vpp-worker-a', 'worker-a', [{ name: 'forwarder-vpp' }], UID.forwarder),
        pod('red', P.proxy.pod, 'worker-a', [{ name: 'proxy', env: trench }], UID.proxy),
        pod('red', P.frontendGhi.pod, 'worker-a', [{ name: 'stateless-lb' }, { name: 'fe' }], UID.frontend),
        pod('red', P.target.pod, 'worker-a', [{ name: 'example-target' }, { name: 'tapa' }], UID.target),
      ],
      nodes: guideNodes(),
      exec: async () => ({ failure: 'node-local mode must not exec' }),
    });
    writeFileSync(this.kubeconfig, this.peer.kubeconfig(await this.peer.start()));
  }

  async stop(): Promise<void> {
    await this.vpp?.stop().catch(() => undefined);
    await this.peer?.stop();
    this.processes.stop();
    this.topology.destroy();
    rmSync(this.work, { recursive: true, force: true });
  }
}
