import { SourceError } from './source-error.ts';

/**
 * Why a pod command failed, from its stderr and exit status: a missing tool or option is
 * `unsupported` (the next output form is tried), a namespace that cannot be entered is `connect`.
 */
export function classifyPodFailure(stderr: string, exitCode: number | null): SourceError {
  const message = stderr
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^Command failed -:/.test(l))
    .join('; ')
    .slice(0, 300);
  if (/nsenter: (cannot open|reassociate)/.test(stderr)) {
    return new SourceError('connect', message || 'cannot enter the network namespace');
  }
  if (
    exitCode === 127 ||
    exitCode === 126 ||
    /Option "-json" is unknown|unrecognized option|invalid option|not found/.test(stderr)
  ) {
    return new SourceError('unsupported', message || `exit status ${exitCode}: command not found`);
  }
  return new SourceError('command-error', message || `exit status ${exitCode}`);
}
