import { execFileSync } from 'node:child_process';

/**
 * Path of a system tool the integration tests need. A missing tool fails the test (never a skip):
 * `scripts/test-all.sh` installs them.
 */
export function requireTool(name: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${name} is not installed; run scripts/test-all.sh (it apt-installs the test tools)`);
  }
}
