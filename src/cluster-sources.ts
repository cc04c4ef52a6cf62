import type { Logger } from 'pino';
import type { ClusterConfig } from './config/config.ts';
import { loadKubeConfig } from './discovery/kube-config.ts';
import { MeridioVips } from './discovery/meridio-vips.ts';
import { ClusterDiscovery } from './discovery/node-pods.ts';
import type { VppSource } from './sources/command-source.ts';
import { ExecPodSource } from './sources/kube-exec/exec-pod-source.ts';
import { KubeExecRunner } from './sources/kube-exec/exec-runner.ts';
import { ExecVppSource } from './sources/kube-exec/exec-vpp-source.ts';
import { NodeLocalPodSource } from './sources/node-local/node-local-pod-source.ts';
import { NodeLocalVppSource } from './sources/node-local/node-local-vpp-source.ts';
import { PodProcessFinder } from './sources/node-local/pod-processes.ts';
import type { PodSource } from './sources/pod-source.ts';

/** The sources of a cluster mode, fed by one discovery. */
export interface ClusterSources {
  discovery: ClusterDiscovery;
  /** The VIPs Meridio's own resources say each trench has (nothing when its CRDs are not installed). */
  meridioVips: MeridioVips;
  vpp: VppSource;
  pods: PodSource;
}

/**
 * Everything that needs the Kubernetes API, in one module that the exporter imports only in cluster
 * mode (see DESIGN.md, "Memory").
 */
export function createClusterSources(cluster: ClusterConfig, node: string, logger: Logger): ClusterSources {
  const kc = loadKubeConfig(cluster.kubeconfig);
  const discovery = new ClusterDiscovery({ kc, node, logger, containerNames: cluster.containerNames });
  const meridioVips = new MeridioVips(kc, logger);
  const forwarder = () => discovery.forwarder();
  const pods = () => discovery.pods();
  if (cluster.mode === 'exec') {
    const runner = new KubeExecRunner(kc);
    return {
      discovery,
      meridioVips,
      vpp: new ExecVppSource(runner, forwarder, node, () => discovery.notKnownYet()),
      pods: new ExecPodSource({ runner, pods }),
    };
  }
  const finder = new PodProcessFinder();
  return {
    discovery,
    meridioVips,
    vpp: new NodeLocalVppSource(finder, forwarder, node, '/proc', () => discovery.notKnownYet()),
    pods: new NodeLocalPodSource(finder, pods),
  };
}
