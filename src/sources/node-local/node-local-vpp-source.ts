import { posix } from 'node:path';
import type { DiscoveredPod } from '../../discovery/node-pods.ts';
import { type CommandOutput, namespaceOfPid, type VppSource } from '../command-source.ts';
import { FORWARDER_CLI_SOCKET } from '../kube-exec/exec-vpp-source.ts';
import { isHostNsPath, netnsInodes } from '../netns-inode.ts';
import type { PodTarget } from '../pod-source.ts';
import { SourceError } from '../source-error.ts';
import { VppCliSocketSource } from '../vpp-cli/vpp-cli-socket.ts';
import type { VppCommand } from '../vpp-commands.ts';
import { VPP_MAIN } from '../vpp-stats/find-segment.ts';
import type { PodProcessFinder } from './pod-processes.ts';
import { resolveInRoot } from './resolve-in-root.ts';

export { VPP_MAIN };

/**
 * Reads the local forwarder's VPP from the node: finds its `vpp_main` process by the forwarder pod's
 * UID and speaks the CLI protocol to the socket inside that container,
 * `/proc/<pid>/root/var/run/vpp/cli.sock` with the container's own symlinks followed (needs hostPID
 * and CAP_SYS_PTRACE). A restarted VPP or a
 * new forwarder pod is found again at the next command.
 */
export class NodeLocalVppSource implements VppSource {
  readonly kind = 'node-local';
  private socket?: VppCliSocketSource;

  constructor(
    private readonly finder: PodProcessFinder,
    private readonly findForwarder: () => DiscoveredPod | undefined,
    private readonly node: string,
    private readonly procRoot = '/proc',
    /** Why the node's pods are not known yet (discovery), so a missing forwarder is not claimed. */
    private readonly notKnownYet?: () => string | undefined,
  ) {}

  get location(): string {
    return this.socket?.location ?? `the forwarder of ${this.node}`;
  }

  get forwarder(): string {
    return this.findForwarder()?.pod ?? '';
  }

  /**
   * `host-ns` paths are VPP's view (`/proc/1/fd/43` is an fd of the forwarder container's PID 1), so
   * they are read under VPP's root, with the container's own directory links followed.
   */
  async resolveHostNs(paths: readonly string[], timeoutMs: number): Promise<ReadonlyMap<string, number>> {
    const f = this.findForwarder();
    const pid = f && this.finder.processNamed(f.uid, VPP_MAIN);
    if (pid === undefined) return new Map();
    const root = `${this.procRoot}/${pid}/root`;
    return netnsInodes(
      paths,
      (p) => {
        if (!isHostNsPath(p)) return undefined;
        const dir = resolveInRoot(root, posix.dirname(p));
        return dir && `${dir}/${posix.basename(p)}`;
      },
      timeoutMs,
    );
  }

  vppNamespace(): PodTarget | undefined {
    return namespaceOfPid(this.vppPid());
  }

  vppPid(): number | undefined {
    const f = this.findForwarder();
    return f && this.finder.processNamed(f.uid, VPP_MAIN);
  }

  async run(command: VppCommand, timeoutMs: number): Promise<CommandOutput> {
    const f = this.findForwarder();
    if (!f)
      throw new SourceError(
        'connect',
        this.notKnownYet?.() ?? `no running forwarder-vpp pod on node ${this.node}`,
      );
    const pid = this.finder.processNamed(f.uid, VPP_MAIN);
    if (pid === undefined) {
      throw new SourceError(
        'connect',
        `no ${VPP_MAIN} process of ${f.namespace}/${f.pod} in ${this.procRoot} (is the agent running with hostPID?)`,
      );
    }
    const root = `${this.procRoot}/${pid}/root`;
    const path = resolveInRoot(root, FORWARDER_CLI_SOCKET);
    if (!path) {
      throw new SourceError(
        'connect',
        `${FORWARDER_CLI_SOCKET} does not exist in the forwarder container (${root})`,
      );
    }
    if (this.socket?.location !== path) this.socket = new VppCliSocketSource({ socketPath: path });
    return this.socket.run(command, timeoutMs);
  }
}
