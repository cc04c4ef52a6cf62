import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where scripts/test-cluster-parts.sh and scripts/test-cluster-images.sh keep what they build, outside
 * the repository: `$MPE_CACHE_DIR/cluster`, by default ~/.cache/meridio-path-exporter/cluster.
 */
export function clusterCacheDir(): string {
  return join(process.env.MPE_CACHE_DIR || join(homedir(), '.cache', 'meridio-path-exporter'), 'cluster');
}

/** A program the parts script built (kubelet, containerd, prometheus, …); throws naming the script. */
export function builtTool(name: string): string {
  const path = join(clusterCacheDir(), 'bin', name);
  if (!existsSync(path)) throw new Error(`${path} is missing; run scripts/test-cluster-parts.sh`);
  return path;
}
